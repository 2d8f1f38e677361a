"""Pictograms that mean what a scene says, matched by meaning in several languages, drawn from vectors.

The set is a curated subset of Microsoft's Fluent Emoji (flat style, MIT) with the CLDR names and keywords
of emojibase-data (MIT) in seven languages, built by ``assets/pictograms/build.py``. A scene's words
(weighted by importance, as lemmas) are matched against each pictogram's name, aliases and keywords:

* the whole name, or an alias, is strong evidence ("volcano", "bee" for the honeybee);
* the head word alone of a longer name ("light" of "traffic light") or a keyword ("light" of the candle)
  is weak, and keywords shared by many pictograms weigh less still;

so a pictogram is drawn only when a name matches an important word, or several weak clues agree: "light" in
a sentence about sunlight does not bring a light bulb. In a compound the head noun is what is drawn: "house
bee" is a bee, not a house, so the modifier's own pictures count for little when the head has a picture of
its own, and the head counts as much as the compound's most important word; when the head has none ("honey
stomach") the modifier stands for the compound. A picture both words point to ("fire truck" for the fire
engine, "space rocket") keeps both. Pictures are rasterized at the size they are shown
(resvg), never scaled up from a small bitmap.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import resvg_py
from PIL import Image

from ..assets import assets_dir
from .words import SceneWord, fold, forms, scene_words

NAME, ALIAS, HEAD, MODIFIER, TAG = 1.0, 0.9, 0.45, 0.2, 0.4
BOUND = 0.5  # the share a compound's modifier keeps for pictures its head does not point to
THRESHOLD = 0.5  # a pictogram needs this much evidence to be drawn
RUNNER_UP = 0.45  # further pictograms need this share of the best one's score
SPLIT_COMPOUNDS = {"en", "de", "nl"}  # head-final compounds: "Honigbiene" is a kind of "Biene"
HEAD_FIRST = {"es", "fr", "pt", "it"}  # "bombilla eléctrica": the noun comes first
FUNCTION_WORDS = {"with", "showing", "of", "in", "on", "at", "for", "and", "the", "from", "without"}


@dataclass(frozen=True)
class Pictogram:
    """A pictogram: its emoji ``char``, English ``name`` and the scene ``words`` that matched it."""

    char: str
    name: str
    words: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True)
class _Entry:
    char: str
    name: str
    file: str
    order: int


@dataclass(frozen=True)
class _Hit:
    """One way a folded word points to a pictogram: as part ``position`` of its name or of alias ``alias``
    (-1: the name), or as a keyword (``alias`` None)."""

    entry: int
    alias: int | None
    position: int


@dataclass
class _Evidence:
    """What a scene says for one pictogram: per scene word, the parts of names it matched."""

    words: dict[str, SceneWord] = field(default_factory=dict)
    parts: dict[tuple[int, int], str] = field(default_factory=dict)  # (alias, position) -> scene word
    tags: dict[str, float] = field(default_factory=dict)  # scene word -> keyword weight


class PictogramIndex:
    """The pictogram set with an inverted index per language: folded word form -> hits."""

    def __init__(self, data: dict) -> None:
        self.entries: list[_Entry] = []
        self.names: list[dict[str, list[list[list[str]]]]] = []  # per entry, per language: name, aliases
        self.terms: dict[str, dict[str, list[_Hit]]] = {lang: {} for lang in data["languages"]}
        self.by_char: dict[str, int] = {}
        self.single: dict[str, set[str]] = {lang: set() for lang in data["languages"]}  # forms naming alone
        for n, record in enumerate(data["pictograms"]):
            self.entries.append(_Entry(record["char"], record["name"], record["file"], n))
            self.by_char[_bare(record["char"])] = n
            self.names.append({})
            for lang, words in record["words"].items():
                self._add(n, lang, words)
        self.tag_counts = {
            lang: {form: len({h.entry for h in hits if h.alias is None}) for form, hits in terms.items()}
            for lang, terms in self.terms.items()
        }

    def _add(self, entry: int, language: str, words: dict) -> None:
        parts = [words["name"], *words["aliases"]]
        self.names[entry][language] = parts
        terms = self.terms[language]
        for alias, name in enumerate(parts, start=-1):
            for position, word_forms in enumerate(name):
                for form in word_forms:
                    terms.setdefault(fold(form), []).append(_Hit(entry, alias, position))
            content = [w for w in name if not set(w) & FUNCTION_WORDS]
            if len(content) == 1:  # a noun that names a picture alone; "swimming" (an action) is no "swims"
                action = content[0][0].endswith("ing") and len(content[0]) > 1
                self.single[language].update(fold(f) for f in content[0][: 1 if action else None])
        for word_forms in words["tags"]:
            for form in word_forms:
                terms.setdefault(fold(form), []).append(_Hit(entry, None, 0))

    def language(self, language: str) -> str:
        return language if language in self.terms else "en"

    def lookups(self, word: SceneWord, language: str) -> list[tuple[str, float]]:
        """The forms to look a scene word up by, with a factor: the word itself, and when it names no
        pictogram, the head of a compound ("Honigbienen" -> "bienen", at a lower factor)."""
        terms = self.terms[language]
        found = [(f, 1.0) for f in word.forms if f in terms]
        if language not in SPLIT_COMPOUNDS or any(self._names(f, language) for f, _ in found):
            return found
        for form in word.forms:
            for cut in range(3, len(form) - 3):
                # English closes few compounds and hides many short words inside others ("content" is no
                # tent): there both parts must be words the set knows ("honeybee", "firetruck").
                known_start = language != "en" or form[:cut] in terms
                if known_start and self._names(form[cut:], language):
                    return [*found, (form[cut:], 0.7)]
        return found

    def _names(self, form: str, language: str) -> bool:
        return any(hit.alias is not None for hit in self.terms[language].get(form, ()))

    def compounds(
        self, words: Iterable[SceneWord], language: str
    ) -> tuple[list[SceneWord], dict[str, set[int]]]:
        """The words reweighed for the compounds they form, and per modifier whose head names a picture,
        the pictograms the head points to (the only ones the modifier keeps its full weight for). Only a
        certain compound passes its weight to a modifier whose head has no picture ("honey stomach")."""
        words = list(words)
        by_text = {word.text: word for word in words}
        weight = {word.text: word.weight for word in words}
        bound: dict[str, set[int]] = {}
        for word in words:
            heads = [by_text[h] for h in word.heads if h in by_text]
            pictured = [h for h in heads if self._alone(h, language)]
            for near in (by_text[h] for h in word.near if h in by_text):
                # a loose pair is a compound when its head names a picture and, in English, the words
                # point to one picture ("honey bees": the honeybee), not for "bird flies" (the fly)
                entries = {hit.entry for hit in self._hits(word, language)}
                shared = entries & {hit.entry for hit in self._hits(near, language)}
                if self._alone(near, language) and (language in HEAD_FIRST or shared):
                    pictured.append(near)
            if pictured:
                bound[word.text] = {hit.entry for h in pictured for hit in self._hits(h, language)}
                for head in pictured:
                    weight[head.text] = max(weight[head.text], word.weight)
            elif heads:
                weight[word.text] = max(weight[word.text], *(head.weight for head in heads))
        return [SceneWord(w.text, w.forms, weight[w.text], w.heads) for w in words], bound

    def _alone(self, word: SceneWord, language: str) -> bool:
        return any(form in self.single[language] for form, _ in self.lookups(word, language))

    def _hits(self, word: SceneWord, language: str) -> list[_Hit]:
        return [hit for form, _ in self.lookups(word, language) for hit in self.terms[language][form]]

    def evidence(self, words: Iterable[SceneWord], language: str) -> dict[int, _Evidence]:
        found: dict[int, _Evidence] = {}
        terms, counts = self.terms[language], self.tag_counts[language]
        words, bound = self.compounds(words, language)
        for word in words:
            for form, factor in self.lookups(word, language):
                for hit in terms[form]:
                    evidence = found.setdefault(hit.entry, _Evidence())
                    alone = word.text in bound and hit.entry not in bound[word.text]
                    scaled = SceneWord(word.text, word.forms, word.weight * factor * (BOUND if alone else 1))
                    evidence.words.setdefault(word.text, scaled)
                    if hit.alias is None:
                        weight = TAG * min(1.0, 3 / counts[form]) ** 0.5
                        evidence.tags[word.text] = max(evidence.tags.get(word.text, 0.0), weight)
                    else:
                        evidence.parts.setdefault((hit.alias, hit.position), word.text)
        return found

    def score(self, entry: int, evidence: _Evidence, language: str) -> tuple[float, dict[str, float]]:
        """The pictogram's score and each matched scene word's share of it."""
        role: dict[str, float] = dict(evidence.tags)
        for alias, name in enumerate(self.names[entry][language], start=-1):
            content = [p for p, w in enumerate(name) if not set(w) & FUNCTION_WORDS]
            matched = {p: evidence.parts[(alias, p)] for p in content if (alias, p) in evidence.parts}
            if not matched:
                continue
            full = NAME if alias == -1 else ALIAS
            head = _head(content, language)
            for position, word in matched.items():
                if len(matched) == len(content):
                    weight = full if position == head or len(content) == 1 else MODIFIER
                else:
                    weight = HEAD if position == head else MODIFIER
                role[word] = max(role.get(word, 0.0), weight)
        shares = {word: evidence.words[word].weight * weight for word, weight in role.items()}
        return sum(shares.values()), shares

    def match(self, text: str, language: str, limit: int) -> list[Pictogram]:
        language = self.language(language)
        words = scene_words(text, language)
        scored = []
        for entry, evidence in self.evidence(words, language).items():
            total, shares = self.score(entry, evidence, language)
            scored.append((round(total, 6), entry, shares))
        scored.sort(key=lambda item: (-item[0], self.entries[item[1]].order))
        chosen: list[Pictogram] = []
        used: set[str] = set()
        for total, entry, shares in scored:
            if len(chosen) >= limit or total < THRESHOLD or (chosen and total < RUNNER_UP * chosen[0].score):
                break
            main = max(shares, key=lambda w: (shares[w], w))
            if main in used:
                continue  # one pictogram per idea: "flower" draws one flower, not three
            used.add(main)
            matched = tuple(w for w in shares if shares[w] > 0)
            chosen.append(Pictogram(self.entries[entry].char, self.entries[entry].name, matched, total))
        return chosen

    def search(self, query: str, language: str, limit: int) -> list[Pictogram]:
        """Pictograms whose names or keywords start with the query's words, names first."""
        best: dict[int, float] = {}
        for lang in dict.fromkeys((self.language(language), "en")):
            for word in query.split():
                wanted = forms(word, lang)
                for form, hits in self.terms[lang].items():
                    if not any(form.startswith(w) for w in wanted):
                        continue
                    exact = form in wanted
                    for hit in hits:
                        weight = (TAG if hit.alias is None else NAME) * (1.0 if exact else 0.6)
                        best[hit.entry] = best.get(hit.entry, 0.0) + weight / (1 + hit.position)
        ranked = sorted(best, key=lambda e: (-best[e], self.entries[e].order))[:limit]
        return [Pictogram(self.entries[e].char, self.entries[e].name, (query,), best[e]) for e in ranked]

    def entry(self, char: str) -> _Entry | None:
        n = self.by_char.get(_bare(char))
        return None if n is None else self.entries[n]


def _bare(char: str) -> str:
    return char.replace("\ufe0f", "")


def _head(content: list[int], language: str) -> int:
    if language in HEAD_FIRST:
        return content[0]
    return content[-1]


def folder() -> Path:
    return assets_dir() / "pictograms"


@lru_cache(maxsize=1)
def index() -> PictogramIndex:
    """The pictogram index, built once per process."""
    return PictogramIndex(json.loads((folder() / "index.json").read_text(encoding="utf-8")))


def pictograms(text: str, language: str = "en", limit: int = 3) -> list[Pictogram]:
    """Up to ``limit`` pictograms for what ``text`` is about, best first; none when nothing fits."""
    return index().match(text, language, limit)


def search_pictograms(word: str, language: str = "en", limit: int = 12) -> list[Pictogram]:
    """Pictograms for a search box: names and keywords in ``language`` (and English) starting with it."""
    return index().search(word, language, limit) if word.strip() else []


def known(char: str) -> bool:
    return index().entry(char) is not None


def name_of(char: str) -> str:
    """A pictogram's English name ("" for one the set does not have)."""
    entry = index().entry(char)
    return entry.name if entry else ""


@lru_cache(maxsize=48)
def render_pictogram(char: str, size: int) -> Image.Image:
    """The pictogram as a ``size`` x ``size`` RGBA image, rasterized from its vector source at that size."""
    entry = index().entry(char)
    if entry is None:
        raise KeyError(f"no pictogram {char!r}")
    svg = (folder() / "svg" / entry.file).read_text(encoding="utf-8")
    png = resvg_py.svg_to_bytes(svg_string=svg, width=size, height=size, skip_system_fonts=True)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    if image.size != (size, size):  # a non-square drawing: centred on a square
        square = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        scale = size / max(image.size)
        fitted = image.resize((math.ceil(image.width * scale), math.ceil(image.height * scale)))
        square.alpha_composite(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
        image = square
    return image
