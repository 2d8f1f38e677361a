"""What a scene's text is about: its words by importance (YAKE), as lemmas (simplemma), and a key phrase.

Both libraries ship their data (stop words, lemma dictionaries): nothing is downloaded. A language either
library does not know still works, with plain lower-cased words and no stop-word list.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
import yake
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

from ..typography import clean


@dataclass(frozen=True)
class SceneWord:
    """A word of the scene as written, the forms it is looked up by, and its importance in (0, 1]."""

    text: str
    forms: tuple[str, ...]
    weight: float


def fold(word: str) -> str:
    """Case and accents folded: "Volcán" and "volcan" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def lemma(word: str, language: str) -> str:
    if language not in SUPPORTED_LANGUAGES:
        return word
    return simplemma.lemmatize(word, lang=language)


def forms(word: str, language: str) -> tuple[str, ...]:
    """The word folded as written and as its lemma (the lemmatizer is wrong now and then)."""
    return tuple(dict.fromkeys((fold(word), fold(lemma(word, language)))))


@lru_cache(maxsize=16)
def _extractor(language: str, ngrams: int) -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan=language, n=ngrams, top=40, dedupLim=0.95)


@lru_cache(maxsize=256)
def scene_words(text: str, language: str = "en") -> tuple[SceneWord, ...]:
    """The scene's content words, most important first: weights fall from 1 to 0.5 along YAKE's ranking,
    and stop words are left out. In German, where every noun is capitalised, lower-case words (verbs,
    adjectives) count for a third: pictograms show things."""
    ranked = [kw for kw, _ in _extractor(language, 1).extract_keywords(clean(text))]
    seen: dict[str, SceneWord] = {}
    for rank, word in enumerate(ranked):
        weight = 1.0 - 0.5 * rank / max(1, len(ranked) - 1)
        if language == "de" and word[:1].islower():
            weight /= 3
        found = SceneWord(word, forms(word, language), round(weight, 4))
        seen.setdefault(found.forms[-1], found)
    return tuple(seen.values())


def key_phrases(text: str, language: str = "en") -> list[str]:
    """Phrases of two to four words exactly as they stand in the text, best first (YAKE n-grams)."""
    cleaned = clean(text)
    phrases = [kw for kw, _ in _extractor(language, 3).extract_keywords(cleaned)]
    return [p for p in phrases if 2 <= len(p.split()) <= 4 and p in cleaned]
