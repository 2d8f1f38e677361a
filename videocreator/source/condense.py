"""Shortening a text by keeping its most central sentences, whole and in their order (extractive).

Sentences are ranked with continuous LexRank (Erkan & Radev, 2004): each sentence is a TF-IDF vector of
word lemmas (simplemma, offline, about 50 languages), sentences vote for the sentences they resemble,
and PageRank over those votes gives each one a centrality score. Words that are in every sentence get
an IDF near zero, so no stop-word list is needed. The word budget is then filled best-first: a
sentence is kept when it brings the total closer to the target, so the total ends within half a
sentence of it. Nothing is ever rewritten.

Plain NumPy keeps it fast: only words shared by two or more sentences enter the similarity product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import simplemma

from ..languages import language_code
from ..text import HAN_OR_KANA

DAMPING = 0.85
ITERATIONS = 60
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=8)
def _lemmatizes(code: str) -> bool:
    try:
        simplemma.lemmatize("test", lang=code)
    except ValueError:
        return False
    return True


def terms(sentence: str, language: str) -> list[str]:
    """The lemmas of a sentence (lower-cased words where simplemma lacks the language)."""
    code = language_code(language)
    words = [w.lower() for w in _TOKEN.findall(sentence)]
    words = [part for word in words for part in (HAN_OR_KANA.findall(word) or [word])]
    if _lemmatizes(code):
        return [simplemma.lemmatize(w, lang=code).lower() for w in words]
    return words


def lexrank(sentences: list[str], language: str) -> np.ndarray:
    """Centrality of each sentence, scaled so that the most central one scores 1."""
    count = len(sentences)
    if count < 3:
        return np.ones(count)
    bags = [terms(s, language) for s in sentences]
    vocabulary: dict[str, int] = {}
    frequency: list[int] = []
    for bag in bags:
        for term in set(bag):
            index = vocabulary.setdefault(term, len(frequency))
            if index == len(frequency):
                frequency.append(0)
            frequency[index] += 1
    idf = np.log(count / np.asarray(frequency, dtype=np.float64))
    shared = np.flatnonzero(np.asarray(frequency) > 1)
    column = np.full(len(frequency), -1)
    column[shared] = np.arange(len(shared))
    matrix = np.zeros((count, len(shared)), dtype=np.float32)
    norms = np.zeros(count)
    for row, bag in enumerate(bags):
        tally: dict[int, int] = {}
        for term in bag:
            tally[vocabulary[term]] = tally.get(vocabulary[term], 0) + 1
        indices = np.fromiter(tally, dtype=np.int64)
        weights = np.fromiter(tally.values(), dtype=np.float64) * idf[indices]
        norms[row] = np.sqrt(np.sum(weights**2))
        keep = column[indices] >= 0
        matrix[row, column[indices[keep]]] = weights[keep]
    norms[norms == 0] = 1.0
    similarity = (matrix @ matrix.T) / np.outer(norms, norms)
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    transition = np.where(totals > 0, similarity / np.where(totals > 0, totals, 1), 1.0 / count)
    scores = np.full(count, 1.0 / count)
    for _ in range(ITERATIONS):
        scores = (1 - DAMPING) / count + DAMPING * (transition.T @ scores)
    return scores / scores.max()


@dataclass(frozen=True)
class Selection:
    kept: list[int]  # indices into the sentences, in their original order
    scores: list[float]
    target_words: int
    chosen_words: int


def select(sentences: list[str], words: list[int], target_words: int, language: str) -> Selection:
    """Whole sentences, best first, each kept if it brings the total closer to the target; in text order."""
    scores = lexrank(sentences, language)
    kept: list[int] = []
    total = 0
    for index in np.argsort(-scores, kind="stable"):
        if total + words[index] - target_words < target_words - total:
            kept.append(int(index))
            total += words[index]
    return Selection(sorted(kept), [round(float(s), 3) for s in scores], target_words, total)
