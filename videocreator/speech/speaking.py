"""What the narrator is given and how its speech is trimmed, while captions keep the person's words.

- **Pronunciations**: a per-project list (``"GIF" -> "jif"``, ``"Nguyen" -> "win"``) applied to the
  words the narrator receives, whole words and ignoring case. The speech's sentences and words are then
  given back their written form, so captions show what the person wrote.
- **Tighter pauses**: silences between words longer than a limit are shortened, and every sentence and
  word time after them moves with the audio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import pairwise

import numpy as np

from ..backend import Speech
from ..text import sentences
from .word_timing import split_words, word_spans, word_timings

Span = tuple[str, float, float]


def _key(word: str) -> str:
    return "".join(ch for ch in word if ch.isalnum() or ch in "'’-").casefold()


def _table(pronunciations: Mapping[str, str]) -> dict[str, str]:
    return {
        _key(written): said.strip()
        for written, said in pronunciations.items()
        if _key(written) and said.strip()
    }


def spoken(text: str, pronunciations: Mapping[str, str]) -> str:
    """``text`` as the narrator should say it: each listed word replaced, its punctuation kept."""
    table = _table(pronunciations)
    if not table:
        return text
    out, last = [], 0
    for start, end in word_spans(text):
        word = text[start:end]
        core = _key(word)
        out.append(text[last:start])
        if core in table:
            lead = len(word) - len(word.lstrip("\"'“‘(["))
            trail = len(word.rstrip(".,;:!?…\"'”’)]"))
            out.append(word[:lead] + table[core] + word[trail:])
        else:
            out.append(word)
        last = end
    out.append(text[last:])
    return "".join(out)


def written(speech: Speech, text: str, pronunciations: Mapping[str, str]) -> Speech:
    """``speech`` of ``spoken(text)`` with its sentences and words given back the words of ``text``."""
    table = _table(pronunciations)
    if not table:
        return speech
    originals = sentences(text)
    if len(originals) == len(speech.sentences):
        said = [(o, a, b) for o, (_, a, b) in zip(originals, speech.sentences, strict=True)]
    else:  # a pronunciation moved a sentence boundary ("Dr." -> "Doctor"): one span for the whole text
        said = [(" ".join(originals), speech.sentences[0][1], speech.sentences[-1][2])]
    written_words = split_words(text)
    counts = [len(split_words(table[_key(w)])) if _key(w) in table else 1 for w in written_words]
    words = speech.words or word_timings(speech)
    merged: list[Span] = []
    if sum(counts) == len(words):
        at = 0
        for word, count in zip(written_words, counts, strict=True):
            merged.append((word, words[at][1], words[at + count - 1][2]))
            at += count
    return replace(speech, sentences=said, words=merged)


def tightened(speech: Speech, max_pause_s: float) -> Speech:
    """``speech`` with every silence between words longer than ``max_pause_s`` cut down to it."""
    words = speech.words or word_timings(speech)
    rate = speech.sample_rate
    cuts: list[tuple[int, int]] = []  # sample ranges to remove
    for (_, _, end), (_, start, _) in pairwise(words):
        if start - end > max_pause_s:
            middle = (end + start) / 2
            half = (start - end - max_pause_s) / 2
            cuts.append((round((middle - half) * rate), round((middle + half) * rate)))
    if not cuts:
        return speech
    keep = np.ones(len(speech.samples), dtype=bool)
    for a, b in cuts:
        keep[a:b] = False

    def moved(t: float) -> float:
        at = round(t * rate)
        return (at - sum(max(0, min(b, at) - a) for a, b in cuts)) / rate

    def spans(items: list[Span]) -> list[Span]:
        return [(text, moved(a), moved(b)) for text, a, b in items]

    return replace(
        speech, samples=speech.samples[keep], sentences=spans(speech.sentences), words=spans(words)
    )
