"""Splitting a paragraph into sentences, per language, without breaking at "Dr.", "e.g.", "3.5", "U.S.".

pysbd's rules do the work for the languages it knows; the others use its English rules, which only
split at a sentence mark followed by a space and keep numbers and initials together. A light repair
pass then rejoins the splits pysbd's lists get wrong in several languages: after a title before a
name ("Sr. García", "Dra. López") and before a lower-case word after an abbreviation ("t.ex. i går").
"""

from __future__ import annotations

import re
from functools import lru_cache

import pysbd
from pysbd.languages import LANGUAGE_CODES

from ..languages import FALLBACK_LANGUAGE, language_code
from ..text import rejoined

_CLOSING = re.compile(r"^([\"'”“»«’)\]]+)(?:\s+|$)")


def splitter_language(language: str) -> str:
    """The pysbd rules used for a language: its own where pysbd has them, else English."""
    code = language_code(language)
    return code if code in LANGUAGE_CODES else FALLBACK_LANGUAGE


@lru_cache(maxsize=8)
def _segmenter(code: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=code, clean=False)


def split_sentences(paragraph: str, language: str) -> list[str]:
    """The sentences of one paragraph (a paragraph never spans two sentences' worth of line breaks)."""
    pieces: list[str] = []
    for raw in _segmenter(splitter_language(language)).segment(paragraph):
        piece = raw.strip()
        closing = _CLOSING.match(piece)
        if closing and pieces:  # a closing quote or bracket pysbd put at the next sentence's start
            pieces[-1] += closing.group(1)
            piece = piece[closing.end() :]
        if piece:
            pieces.append(piece)
    return rejoined(pieces)


def limit_length(sentence: str, max_chars: int) -> list[str]:
    """A sentence too long for one scene, cut after a clause mark (else a space) to fit ``max_chars``."""
    pieces = []
    rest = sentence
    while len(rest) > max_chars:
        window = rest[:max_chars]
        cut = max(window.rfind(mark) for mark in (", ", "; ", ": ", " – ", " — "))
        cut = cut + 1 if cut > max_chars // 2 else window.rfind(" ")
        if cut <= 0:
            cut = max_chars
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest else pieces
