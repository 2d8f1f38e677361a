"""How long a text takes to say: its words and letters, seconds at a pace, a pace in words per second."""

from __future__ import annotations

import re

from ..text import HAN_OR_KANA

_WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")


def count_words(text: str) -> int:
    return len(HAN_OR_KANA.findall(text)) + len(_WORD.findall(HAN_OR_KANA.sub(" ", text)))


def count_letters(text: str) -> int:
    """Letters and digits: what a voice's speaking time follows most closely (words vary in length)."""
    return sum(ch.isalnum() for ch in text)


def estimate_seconds(text: str, words_per_second: float) -> float:
    """Seconds of speech for ``text`` at a pace of ``words_per_second``."""
    return count_words(text) / words_per_second


def words_per_second(text: str, letters_per_second: float) -> float:
    """A voice's pace in words per second for ``text``: its measured letters per second over the length
    of this text's words (short everyday words go by faster than long technical ones)."""
    return letters_per_second * count_words(text) / max(1, count_letters(text))
