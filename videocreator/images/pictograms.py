"""Pictograms that mean what a scene says, matched by meaning in several languages, drawn from vectors.

The set is a curated subset of Microsoft's Fluent Emoji (flat style, MIT) with the CLDR names and keywords
of emojibase-data (MIT) and CLDR in twelve languages, built by ``assets/pictograms/build.py``. A scene's
words (weighted by importance, as lemmas) are matched against each pictogram's name, aliases and keywords.
Japanese and Chinese are written without spaces, which the keyword and lemma tools cannot split: there the
scene's words are the names and keywords found in its text, longest first ("火山" before "山").

* the whole name, or an alias, is strong evidence ("volcano", "bee" for the honeybee);
* the head word alone of a longer name ("light" of "traffic light") or a keyword ("light" of the candle)
  is weak, and keywords shared by many pictograms weigh less still;

so a pictogram is drawn only when a name matches an important word, or several weak clues agree: "light" in
a sentence about sunlight does not bring a light bulb. In a compound the head noun is what is drawn: "house
bee" is a bee, not a house, so the modifier's own pictures count for little when the head has a picture of
its own, and the head counts as much as the compound's most important word; when the head has none ("honey
stomach") the modifier stands for the compound. A picture both words point to ("fire truck" for the fire
engine, "space rocket") keeps both. Things, animals and places count fully; symbols and faces (CLDR's groups)
count for less, and a word that reads as a verb ("called", "it starts") for a third (``words.py``).

A scene of a script is pictured by what makes it distinct: a word every scene says (the video's topic)
weighs less than one only this scene says, as in tf-idf, and so does a pictogram that fits many scenes (the
sun of "sunlight", "the sun" and "sunset"); a scene never draws the same set of pictograms as the scene
before it (it draws others, or none, when its best ones are the previous scene's). This only orders what
fits: a scene whose every word is shared with others still draws the pictograms that fit it. Pictures are
rasterized at the size they are shown (resvg), never scaled up from a small bitmap.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import resvg_py
from PIL import Image

from ..assets import assets_dir
from ..text import clean
from .words import SceneWord, fold, forms, scene_words

NAME, ALIAS, HEAD, MODIFIER, TAG = 1.0, 0.9, 0.45, 0.2, 0.4
BOUND = 0.5  # the share a compound's modifier keeps for pictures its head does not point to
THRESHOLD = 0.5  # a pictogram needs this much evidence to be drawn
RUNNER_UP = 0.45  # further pictograms need this share of the best one's score
SPLIT_COMPOUNDS = {"en", "de", "nl"}  # head-final compounds: "Honigbiene" is a kind of "Biene"
HEAD_FIRST = {"es", "fr", "pt", "it", "ar"}  # "bombilla eléctrica": the noun comes first
FUNCTION_WORDS = {"with", "showing", "of", "in", "on", "at", "for", "and", "the", "from", "without"}
UNSPACED = {"ja", "zh"}  # written without spaces: names and keywords are found as substrings of the text
# CLDR's groups that picture a thing less than they mark a feeling or a sign: smileys and emotion, symbols.
GROUP_WEIGHT = {0: 0.75, 8: 0.75}
ASIDE = 0.75  # the rank a word keeps that says where more than what ("the frog sleeps on a leaf")
SHARED = 0.35  # the rank a word every scene says, or a pictogram every scene fits, keeps (one scene's: 1)


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
    weight: float  # by CLDR group: things over symbols


@dataclass(frozen=True)
class _Candidate:
    """A pictogram for a scene: how well it ``fits`` the scene alone (the threshold's measure), its ``rank``
    among the scene's pictograms (lower for words and pictograms many scenes of the script share) and each
    matched word's share of the fit."""

    fit: float
    rank: float
    entry: int
    shares: dict[str, float]


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


@dataclass
class _Vocabulary:
    """The pictograms' names and keywords in one language, indexed: folded word form -> hits."""

    names: list[list[list[list[str]]]] = field(default_factory=list)  # per pictogram: its name, its aliases
    terms: dict[str, list[_Hit]] = field(default_factory=dict)
    single: set[str] = field(default_factory=set)  # forms that name a picture alone
    tag_counts: dict[str, int] = field(default_factory=dict)  # per form: of how many pictograms a keyword
    longest: int = 1  # the longest form's length

    @classmethod
    def of(cls, records: list[dict], language: str) -> _Vocabulary:
        vocabulary = cls()
        for entry, record in enumerate(records):
            name, aliases, tags = record["words"][language]
            vocabulary.add(entry, [_forms(name), *map(_forms, aliases)], _forms(tags))
        vocabulary.tag_counts = {
            form: len({h.entry for h in hits if h.alias is None}) for form, hits in vocabulary.terms.items()
        }
        vocabulary.longest = max(map(len, vocabulary.terms), default=1)
        return vocabulary

    def add(self, entry: int, parts: list[list[list[str]]], tags: list[list[str]]) -> None:
        """A pictogram's ``parts`` (its name, then its aliases; each a list of words, each word its forms)
        and its keywords ``tags``."""
        self.names.append(parts)
        for alias, name in enumerate(parts, start=-1):
            for position, word_forms in enumerate(name):
                for form in word_forms:
                    self.terms.setdefault(fold(form), []).append(_Hit(entry, alias, position))
            content = [w for w in name if not set(w) & FUNCTION_WORDS]
            if len(content) == 1:  # a noun that names a picture alone; "swimming" (an action) is no "swims"
                action = content[0][0].endswith("ing") and len(content[0]) > 1
                self.single.update(fold(f) for f in content[0][: 1 if action else None])
        for word_forms in tags:
            for form in word_forms:
                self.terms.setdefault(fold(form), []).append(_Hit(entry, None, 0))


class PictogramIndex:
    """The pictogram set with a vocabulary per language, each indexed the first time it is needed."""

    def __init__(self, data: dict) -> None:
        self.records: list[dict] = data["pictograms"]
        self.languages: list[str] = data["languages"]
        self.entries: list[_Entry] = []
        self.by_char: dict[str, int] = {}
        self._vocabularies: dict[str, _Vocabulary] = {}
        for n, record in enumerate(self.records):
            weight = GROUP_WEIGHT.get(record["group"], 1.0)
            self.entries.append(_Entry(record["char"], record["name"], record["file"], n, weight))
            self.by_char[_bare(record["char"])] = n

    def vocabulary(self, language: str) -> _Vocabulary:
        found = self._vocabularies.get(language)
        if found is None:  # two threads may both build it: the same vocabulary, one is kept
            found = self._vocabularies.setdefault(language, _Vocabulary.of(self.records, language))
        return found

    def language(self, language: str) -> str:
        code = language.lower().split("-")[0]
        return code if code in self.languages else "en"

    def words(self, text: str, language: str) -> tuple[SceneWord, ...]:
        """The scene's words by importance: YAKE's, or in a language without spaces, the names and keywords
        of pictograms its text holds."""
        return self._substrings(text, language) if language in UNSPACED else scene_words(text, language)

    def _substrings(self, text: str, language: str) -> tuple[SceneWord, ...]:
        """The pictograms' names and keywords found in the text, longest first at each place, weighted from
        1 to 0.5 by where they first stand (a topic comes first). A single character ("山", "日") counts
        only where it is a name: as a keyword it is too often part of another word ("今日"); and a word in
        kana only where it does not go on a longer word in the same kana ("くり" in "ゆっくり", "ゾウ" in
        "ゾウガメ")."""
        vocabulary = self.vocabulary(language)
        folded, terms = fold(clean(text)), vocabulary.terms
        found: dict[str, None] = {}
        start = 0
        while start < len(folded):
            for size in range(min(vocabulary.longest, len(folded) - start), 0, -1):
                piece = folded[start : start + size]
                alone = size > 1 or self._names(piece, language)
                if piece in terms and alone and _kana_bounded(folded, start, start + size):
                    found.setdefault(piece)
                    start += size
                    break
            else:
                start += 1
        last = max(1, len(found) - 1)
        return tuple(SceneWord(t, (t,), round(1.0 - 0.5 * n / last, 4)) for n, t in enumerate(found))

    def lookups(self, word: SceneWord, language: str) -> list[tuple[str, float]]:
        """The forms to look a scene word up by, with a factor: the word itself, and when it names no
        pictogram, the head of a compound ("Honigbienen" -> "bienen", at a lower factor)."""
        terms = self.vocabulary(language).terms
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
        return any(hit.alias is not None for hit in self.vocabulary(language).terms.get(form, ()))

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
        return [replace(w, weight=weight[w.text]) for w in words], bound

    def _alone(self, word: SceneWord, language: str) -> bool:
        return any(form in self.vocabulary(language).single for form, _ in self.lookups(word, language))

    def _hits(self, word: SceneWord, language: str) -> list[_Hit]:
        terms = self.vocabulary(language).terms
        return [hit for form, _ in self.lookups(word, language) for hit in terms[form]]

    def evidence(self, words: Iterable[SceneWord], language: str) -> dict[int, _Evidence]:
        found: dict[int, _Evidence] = {}
        vocabulary = self.vocabulary(language)
        terms, counts = vocabulary.terms, vocabulary.tag_counts
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
        for alias, name in enumerate(self.vocabulary(language).names[entry], start=-1):
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

    def ranked(
        self,
        words: Sequence[SceneWord],
        language: str,
        rare_words: dict[str, float] | None = None,
        rare_pictures: dict[int, float] | None = None,
    ) -> list[_Candidate]:
        """Every pictogram the words point to, best first: by fit, less for words that say where (``aside``),
        and for a scene of a script, by how rare its words and the pictogram itself are among the script's
        scenes (per scene word and per pictogram, from ``SHARED`` to 1)."""
        found = []
        aside = {word.text for word in words if word.aside}
        for entry, evidence in self.evidence(words, language).items():
            total, shares = self.score(entry, evidence, language)
            weight = self.entries[entry].weight
            shares = {word: share * weight for word, share in shares.items()}
            rank = sum(
                share * (rare_words or {}).get(word, 1.0) * (ASIDE if word in aside else 1.0)
                for word, share in shares.items()
            )
            rank *= (rare_pictures or {}).get(entry, 1.0)
            found.append(_Candidate(round(total * weight, 6), round(rank, 6), entry, shares))
        return sorted(found, key=lambda c: (-c.rank, -c.fit, self.entries[c.entry].order))

    def pick(self, ranked: Iterable[_Candidate], limit: int) -> list[Pictogram]:
        """Up to ``limit`` pictograms that fit the scene well enough and rank near the best, each for
        another idea: "flower" draws one flower, not three."""
        chosen: list[Pictogram] = []
        used: set[str] = set()
        best = 0.0
        for candidate in ranked:
            if len(chosen) >= limit or candidate.rank < RUNNER_UP * best:
                break
            shares = candidate.shares
            main = max(shares, key=lambda w: (shares[w], w))
            if candidate.fit < THRESHOLD or main in used:
                continue
            used.add(main)
            best = best or candidate.rank
            matched = tuple(w for w in shares if shares[w] > 0)
            entry = self.entries[candidate.entry]
            chosen.append(Pictogram(entry.char, entry.name, matched, candidate.fit))
        return chosen

    def plan(self, script: Sequence[str], language: str, limit: int) -> list[list[Pictogram]]:
        """The pictograms of every scene of a script, each scene's ranked by what sets it apart (see the
        module's docstring); no scene draws the set the scene before it draws."""
        language = self.language(language)
        scenes = [self.words(text, language) for text in script]
        said = Counter(key for words in scenes for key in {word.forms[-1] for word in words})
        fitting = Counter(
            c.entry for words in scenes for c in self.ranked(words, language) if c.fit >= THRESHOLD
        )
        rare_pictures = {entry: rarity(count, len(scenes)) for entry, count in fitting.items()}
        chosen: list[list[Pictogram]] = []
        for words in scenes:
            rare_words = {word.text: rarity(said[word.forms[-1]], len(scenes)) for word in words}
            ranked = self.ranked(words, language, rare_words, rare_pictures)
            found = self.pick(ranked, limit)
            before = {p.char for p in chosen[-1]} if chosen else set()
            if found and {p.char for p in found} == before:
                found = self.pick([c for c in ranked if self.entries[c.entry].char not in before], limit)
            chosen.append(found)
        return chosen

    def search(self, query: str, language: str, limit: int) -> list[Pictogram]:
        """Pictograms whose names or keywords start with the query's words, names first."""
        best: dict[int, float] = {}
        for lang in dict.fromkeys((self.language(language), "en")):
            for word in query.split():
                wanted = forms(word, lang)
                for form, hits in self.vocabulary(lang).terms.items():
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


def rarity(count: int, scenes: int) -> float:
    """How rare a word or a pictogram that ``count`` of a script's ``scenes`` say or fit is, as in tf-idf:
    1 for one scene alone, ``SHARED`` for every scene."""
    if scenes < 2:
        return 1.0
    return SHARED + (1 - SHARED) * math.log(scenes / count) / math.log(scenes)


def _kana(char: str) -> str:
    """The kana a character is written in: "h" (hiragana), "k" (katakana) or "" (neither)."""
    return "h" if "\u3041" <= char <= "\u309f" else "k" if "\u30a1" <= char <= "\u30ff" else ""


def _kana_bounded(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, when written in one kana, stands alone: no character of its kana just
    before it, nor (katakana, which writes whole words) just after it. Hiragana also writes the particles
    and endings that follow a word ("くりを")."""
    kana = {_kana(char) for char in text[start:end]}
    if len(kana) != 1 or "" in kana:
        return True
    before = _kana(text[start - 1]) if start else ""
    after = _kana(text[end]) if end < len(text) else ""
    return before not in kana and (after != "k" or "k" not in kana)


def _forms(words: list[str]) -> list[list[str]]:
    """Words as stored in index.json ("bees|bee") as their forms."""
    return [word.split("|") for word in words]


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


def pictograms(
    text: str, language: str = "en", limit: int = 3, script: Sequence[str] = (), position: int = 0
) -> list[Pictogram]:
    """Up to ``limit`` pictograms for what ``text`` is about, best first; none when nothing fits. With the
    ``script`` it is scene ``position`` of (every scene's text in order), for what sets it apart from the
    other scenes."""
    scenes = tuple(script)
    if not 0 <= position < len(scenes):
        scenes, position = (text,), 0
    scenes = (*scenes[:position], text, *scenes[position + 1 :])
    return list(planned(scenes, language, limit)[position])


@lru_cache(maxsize=64)
def planned(script: tuple[str, ...], language: str, limit: int) -> tuple[tuple[Pictogram, ...], ...]:
    """Every scene's pictograms, planned once per script (each card of a video asks for its own scene)."""
    return tuple(tuple(scene) for scene in index().plan(script, language, limit))


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
