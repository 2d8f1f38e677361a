"""Word timings: when each word of the narration starts and ends, for word-by-word captions.

A narrator that knows its phoneme durations (Piper with alignments) gives exact timings
(``from_phonemes``). Otherwise they are derived (``word_timings``): each sentence's span is exact (the
narrator synthesises sentence by sentence), its words share it by how long they take to say, and word
boundaries are then snapped to the pauses found in the audio (stretches of low energy).

Words are what ``split_words`` makes of a sentence: space-separated words, and in scripts written
without spaces (Chinese, Japanese, Thai) each character, punctuation staying with the word before it.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backend import Speech
from ..text import unspaced
from .wav import read_wav

Word = tuple[str, float, float]

_FRAME_S = 0.01  # energy envelope resolution
_QUIET_DB = 32.0  # below the sentence's loudest frame by this much: a pause
_MIN_PAUSE_S = 0.04
_STRONG_PAUSE_S = 0.2  # a pause this long counts fully as a word boundary
_PUNCTUATED = re.compile(r"[,;:.!?\u2014\u2013\u3001\u3002\uff0c\uff01\uff1f]$")


def is_unspaced(text: str) -> bool:
    """Mostly written without spaces (captions are then cut and timed by characters)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(map(unspaced, letters)) > len(letters) / 2


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the words of ``text``."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"\S+", text):
        start = match.start()
        for offset, ch in enumerate(match.group()):
            at = match.start() + offset
            if at > start and _starts_word(ch, text[start:at]):
                spans.append((start, at))
                start = at
        spans.append((start, match.end()))
    return spans


def _starts_word(ch: str, current: str) -> bool:
    """Inside a space-free stretch, each letter of an unspaced script is a word of its own (as is the
    first letter after one); marks and punctuation stay with the word they follow."""
    letters = [c for c in current if c.isalnum()]
    return bool(letters) and ch.isalnum() and (unspaced(ch) or unspaced(letters[-1]))


def split_words(text: str) -> list[str]:
    return [text[a:b] for a, b in word_spans(text)]


def join_words(words: Sequence[str]) -> str:
    """Words back into text: spaces between them, except beside an unspaced script's characters."""
    out = ""
    for word in words:
        if out and not (unspaced(_letters(out)[-1:]) or unspaced(_letters(word)[:1])):
            out += " "
        out += word
    return out


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()) or text


def spoken_weight(text: str) -> float:
    """About how long ``text`` takes to say: letters, digits heavier (read as words), pauses at commas."""
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    return max(1.0, letters + 3.0 * digits + 2.0 * len(re.findall(r"[,;:]", text)))


def spread(words: Sequence[str], start: float, end: float) -> list[Word]:
    """``words`` sharing ``start``..``end`` by their spoken weights (no audio needed)."""
    weights = np.array([spoken_weight(w) for w in words])
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights)]) / max(weights.sum(), 1e-9)
    return [(w, float(a), float(b)) for w, a, b in zip(words, edges[:-1], edges[1:], strict=True)]


# ---- derived from the audio ------------------------------------------------------------------


@dataclass(frozen=True)
class Pause:
    start: float
    end: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    @property
    def strength(self) -> float:
        return min(1.0, (self.end - self.start) / _STRONG_PAUSE_S)


def _loud_frames(samples: np.ndarray, rate: int) -> np.ndarray:
    hop = max(1, round(rate * _FRAME_S))
    count = len(samples) // hop
    if not count:
        return np.zeros(0, dtype=bool)
    energy = np.square(samples[: count * hop].astype(np.float64)).reshape(count, hop).mean(axis=1)
    db = 10 * np.log10(energy + 1e-12)
    return db > db.max() - _QUIET_DB


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where ``mask`` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def sentence_words(samples: np.ndarray, rate: int, text: str, start: float, end: float) -> list[Word]:
    """The words of one sentence spoken in ``samples[start:end]`` (seconds), snapped to its pauses."""
    words = split_words(text)
    if not words:
        return []
    loud = _loud_frames(samples[round(start * rate) : round(end * rate)], rate)
    sounding = _runs(loud)
    if not sounding:
        return spread(words, start, end)
    first, last = start + sounding[0][0] * _FRAME_S, start + sounding[-1][1] * _FRAME_S
    pauses = [
        Pause(start + a * _FRAME_S, start + b * _FRAME_S)
        for a, b in _runs(~loud)
        if (b - a) * _FRAME_S >= _MIN_PAUSE_S and start + a * _FRAME_S > first and b < len(loud)
    ]
    return _place(words, first, last, _anchors(words, first, last, pauses))


def _anchors(words: list[str], first: float, last: float, pauses: list[Pause]) -> dict[int, Pause]:
    """Which pause (if any) each boundary between words falls in (keyed by the index of the word after
    it): first the clear pauses after punctuation, sought across the sentence, then, between those, the
    pauses near where the remaining boundaries are expected."""
    wide = max(0.4, 2.0 * (last - first) / len(words))
    strong = [p for p in pauses if p.strength >= 0.5]
    anchors = _match(spread(words, first, last), strong, wide, punctuated_only=True)
    cuts = [0, *sorted(anchors), len(words)]
    for a, b in itertools.pairwise(cuts):
        begin = anchors[a].end if a in anchors else first
        finish = anchors[b].start if b in anchors else last
        inner = [p for p in pauses if begin < p.start and p.end < finish]
        narrow = max(0.1, 0.5 * (finish - begin) / (b - a))
        local = _match(spread(words[a:b], begin, finish), inner, narrow, punctuated_only=False)
        anchors |= {a + n: pause for n, pause in local.items()}
    return anchors


def _match(
    estimate: list[Word], pauses: list[Pause], tolerance: float, *, punctuated_only: bool
) -> dict[int, Pause]:
    """The monotone matching of word boundaries to pauses that best fits the estimated boundaries, long
    pauses and pauses after punctuation counting most."""
    bounds = [
        (n, estimate[n][1], 2.0 if _PUNCTUATED.search(estimate[n - 1][0]) else 1.0)
        for n in range(1, len(estimate))
    ]
    if punctuated_only:
        bounds = [b for b in bounds if b[2] > 1]
    if not bounds or not pauses:
        return {}

    def score(at: float, emphasis: float, pause: Pause) -> float:
        return max(0.0, 1.0 - abs(at - pause.middle) / tolerance) * pause.strength * emphasis

    rows, cols = len(bounds), len(pauses)
    best = np.zeros((rows + 1, cols + 1))
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            matched = best[i - 1, j - 1] + score(*bounds[i - 1][1:], pauses[j - 1])
            best[i, j] = max(best[i - 1, j], best[i, j - 1], matched)
    anchors: dict[int, Pause] = {}
    i, j = rows, cols
    while i and j:
        if best[i, j] == best[i - 1, j]:
            i -= 1
        elif best[i, j] == best[i, j - 1]:
            j -= 1
        else:
            anchors[bounds[i - 1][0]] = pauses[j - 1]
            i, j = i - 1, j - 1
    return anchors


def _place(words: list[str], first: float, last: float, anchors: dict[int, Pause]) -> list[Word]:
    """Words between anchored boundaries share their stretch by weight; an anchored word starts where
    its pause ends, and the word before it ends where the pause starts."""
    cuts = [0, *sorted(anchors), len(words)]
    placed: list[Word] = []
    for a, b in itertools.pairwise(cuts):
        begin = anchors[a].end if a in anchors else first
        finish = anchors[b].start if b in anchors else last
        placed.extend(spread(words[a:b], begin, finish))
    return placed


def word_timings(speech: Speech) -> list[Word]:
    """The words of a narration, in seconds from its start."""
    return [
        word
        for text, start, end in speech.sentences
        for word in sentence_words(speech.samples, speech.sample_rate, text, start, end)
    ]


def words_from_wav(path: Path, sentences: Sequence[tuple[str, float, float]]) -> list[Word]:
    """Word timings of a narration saved before word timings were stored."""
    samples, rate = read_wav(path)
    return word_timings(Speech(samples, rate, list(sentences)))


# ---- exact, from a narrator's phoneme durations ----------------------------------------------


def is_sound(phoneme: str) -> bool:
    """A phoneme that is sound (not a word gap, punctuation or a start/end marker)."""
    return bool(phoneme) and unicodedata.category(phoneme[0])[0] in "LMN"


def from_phonemes(
    words: Sequence[str], counts: Sequence[int], phonemes: Sequence[tuple[str, int]], rate: int
) -> list[Word]:
    """Exact word timings from the phoneme durations (``(phoneme, samples)``, ``" "`` between words) of
    a sentence whose words have ``counts`` spoken phonemes each. Each word starts at the phoneme its
    share of the count reaches, moved to the nearest start of a spoken word close by (a number's several
    spoken words, or a phonemizer that counts differently, leave the counts a little off)."""
    sounds: list[tuple[int, int]] = []  # (start, end) in samples of each spoken phoneme
    word_starts: set[int] = set()
    t, gap = 0, True
    for phoneme, length in phonemes:
        if is_sound(phoneme):
            if gap:
                word_starts.add(len(sounds))
            sounds.append((t, t + length))
            gap = False
        elif phoneme == " " or phoneme in "^$":
            gap = True
        t += length
    if not words:
        return []
    if len(sounds) < len(words):
        return spread(words, sounds[0][0] / rate, sounds[-1][1] / rate) if sounds else []
    firsts = _first_phonemes(counts, len(sounds), word_starts)
    ends = [*[sounds[f - 1][1] for f in firsts[1:]], sounds[-1][1]]
    return [(w, sounds[f][0] / rate, e / rate) for w, f, e in zip(words, firsts, ends, strict=True)]


def _first_phonemes(counts: Sequence[int], total: int, word_starts: set[int]) -> list[int]:
    cumulative = np.concatenate([[0], np.cumsum(np.maximum(1, counts))[:-1]])
    scale = total / max(1, sum(max(1, c) for c in counts))
    firsts: list[int] = []
    for n, (share, count) in enumerate(zip(cumulative, counts, strict=True)):
        lowest = firsts[-1] + 1 if firsts else 0
        highest = total - (len(counts) - n)
        target = min(max(round(share * scale), lowest), highest)
        reach = max(1, round(0.4 * count * scale))
        near = [s for s in word_starts if abs(s - target) <= reach and lowest <= s <= highest]
        firsts.append(min(near, key=lambda s: (abs(s - target), s)) if near else target)
    return firsts
