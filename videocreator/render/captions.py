"""Captions: short chunks of the narration, timed from the narrator's sentence spans.

Each sentence's span is exact (the narrator synthesises sentence by sentence); inside a sentence the
chunks share its time in proportion to how long they take to say, estimated from their letters and digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_BREAK_AFTER = re.compile(r"[,;:\u2014\u2013\u3001\uff0c]$")
_NO_SPACE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI")
CJK_CHUNK_CHARS = 12


@dataclass(frozen=True)
class Cue:
    text: str
    start: float
    end: float


def _spoken_weight(text: str) -> float:
    # Digits are read as words ("1200" -> "one thousand two hundred"): count them heavier.
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    return max(1.0, letters + 3.0 * digits + 2.0 * len(re.findall(r"[,;:]", text)))


def _is_unspaced(text: str) -> bool:
    chars = [ch for ch in text if ch.isalpha()]
    if not chars:
        return False
    unspaced = sum(any(s in unicodedata.name(ch, "") for s in _NO_SPACE_SCRIPTS) for ch in chars)
    return unspaced > len(chars) / 2


def chunk(sentence: str, max_words: int) -> list[str]:
    """Split a sentence into caption-sized pieces, preferring breaks after punctuation."""
    if _is_unspaced(sentence):
        step = CJK_CHUNK_CHARS
        return [
            sentence[i : i + step].strip()
            for i in range(0, len(sentence), step)
            if sentence[i : i + step].strip()
        ]
    words = sentence.split()
    pieces: list[list[str]] = [[]]
    for n, word in enumerate(words):
        current = pieces[-1]
        current.append(word)
        following = words[n + 1] if n + 1 < len(words) else ""
        natural = _BREAK_AFTER.search(word) and len(current) >= 2
        # A full chunk still takes the next word when that word closes the phrase ("... magma rises,").
        closes_next = len(current) == max_words and _BREAK_AFTER.search(following)
        full = len(current) >= max_words and not closes_next
        if natural or full:
            pieces.append([])
    pieces = [p for p in pieces if p]
    # Avoid a lonely last word: merge it back when it fits a little over the limit.
    if len(pieces) > 1 and len(pieces[-1]) == 1 and len(pieces[-2]) < max_words + 1:
        pieces[-2].extend(pieces.pop())
    return [" ".join(p) for p in pieces]


def cues_for(sentences: list[tuple[str, float, float]], offset: float, max_words: int) -> list[Cue]:
    """Cues for one scene: ``sentences`` are (text, start, end) relative to its narration start."""
    cues = []
    for text, start, end in sentences:
        pieces = chunk(text, max_words)
        weights = [_spoken_weight(p) for p in pieces]
        total = sum(weights)
        t = start
        for piece, weight in zip(pieces, weights, strict=True):
            span = (end - start) * weight / total
            cues.append(Cue(piece, offset + t, offset + t + span))
            t += span
    return cues


def _timestamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{n}\n{_timestamp(c.start)} --> {_timestamp(c.end)}\n{c.text}\n" for n, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)
