"""A scene's headline: a phrase of its own words that reads on its own ("Rising magma", "The Earth's crust",
"Light from the sun", "Abeja de la miel"), never a fragment ("Magma rises through"), or none.

Words are tagged first. English and German: by the Hanover Tagger (HanTa, a hidden Markov model over
morphemes whose models ship in its wheel). Spanish, French, Italian and Portuguese: by closed-class lists
(``function_words.py``) and simplemma's lemmas (a form whose lemma is an infinitive is a verb). A candidate
is a noun phrase: modifiers and nouns ending in a noun (heads come first in the Romance languages), with
its article left off, and with a noun phrase joined by "of", "from", "in"... ("Light from the sun"); or a
whole sentence of a few words with a verb and a noun ("Plants need light"). Candidates are ranked by
YAKE's weights of their words (``words.scene_words``). Languages with neither keep YAKE's phrases as they
stand in the text.

A script's headlines are chosen in order, each different from the one before it (no phrase whose lemmas
hold, or are held by, the previous headline's), and a person's heading over a scene is its headline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..text import capitalized, clean
from .function_words import ROMANCE
from .words import forms, key_phrases, lemma, scene_words, without_repeats

if TYPE_CHECKING:
    from HanTa.HanoverTagger import HanoverTagger

MAX_CHARS = 40
MAX_WORDS = 5
MAX_HEADING_CHARS = 60
CLAUSE_FACTOR = 0.9  # a whole short sentence is a fine headline, a noun phrase a little better
UNRANKED = 0.3  # the weight of a word YAKE does not rank (a stop word of its list, a number)
# How well a phrase of so many words reads as a headline (a lone noun is weak, a long phrase crowded).
LENGTH_FACTOR = {1: 0.85, 2: 1.0, 3: 1.0, 4: 0.9, 5: 0.8}

NOUN, ADJ, DET, QUANT, ADP, VERB, OTHER, PUNCT = (
    "noun",
    "adj",
    "det",
    "quant",
    "adp",
    "verb",
    "other",
    "punct",
)
CONTENT = {NOUN, ADJ}
HEAD_LAST = {"en", "de"}

HANTA_MODELS = {"en": "morphmodel_en.pgz", "de": "morphmodel_ger.pgz"}
# The British National Corpus tags (C5) HanTa gives English words, and the Stuttgart-Tübingen tags (STTS)
# it gives German ones, by word class; any other tag is OTHER.
C5 = {
    NOUN: {"NN0", "NN1", "NN2", "NP0"},
    ADJ: {"AJ0", "AJC", "AJS", "ORD", "CRD"},
    DET: {"AT0", "DPS"},
    QUANT: {"DT0"},
    ADP: {"PRP", "PRF", "TO0"},
    PUNCT: {"PUN", "PUL", "PUR", "PUQ"},
}
STTS = {
    NOUN: {"NN", "NE"},
    ADJ: {"ADJA", "CARD"},
    DET: {"ART", "PPOSAT", "PDAT"},
    QUANT: {"PIAT", "PIDAT"},
    ADP: {"APPR", "APPRART", "APPO", "APZR"},
}
DEMONSTRATIVES = {"this", "that", "these", "those"}
# Prepositions that join a noun phrase to the one before it, into one phrase: "cracks in the crust".
LINKING = {
    "en": {"of", "from", "in", "on", "for", "with", "under", "inside", "between", "around"},
    "de": {"von", "vom", "aus", "im", "mit", "für", "ohne", "über"},
}
GENITIVE_ARTICLES = {"des", "der", "eines", "einer"}  # "der Nektar der Blüten"
SENTENCE_END = {".", "!", "?", ";", ":", "…", "。", "！", "？"}
_WORD = {
    "head_last": re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*|[^\w\s]|_"),
    # An elided article or preposition is a word of its own: "l'eau", "dell'acqua".
    "romance": re.compile(r"[^\W_]+['’](?=[^\W_])|[^\W_]+(?:-[^\W_]+)*|[^\w\s]|_"),
}


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    tag: str
    starts: bool = True  # whether a phrase may start with it


@dataclass(frozen=True)
class Phrase:
    text: str  # as it stands in the scene's text
    lemmas: frozenset[str]  # of its nouns and modifiers (and a clause's verbs), folded
    score: float


def language_of(language: str) -> str:
    return re.split(r"[-_]", (language or "en").lower(), maxsplit=1)[0]


@lru_cache(maxsize=2)
def _hanta(language: str) -> HanoverTagger:
    from HanTa.HanoverTagger import HanoverTagger  # loaded with the first headline, not at start-up

    return HanoverTagger(HANTA_MODELS[language])


def _sentences(tokens: list[tuple[str, int, int]]) -> list[list[tuple[str, int, int]]]:
    found: list[list[tuple[str, int, int]]] = [[]]
    for token in tokens:
        found[-1].append(token)
        if token[0] in SENTENCE_END:
            found.append([])
    return [sentence for sentence in found if sentence]


def _coarse(tag: str, word: str, table: dict[str, set[str]]) -> str:
    if tag.startswith(("V", "$")) and table is STTS:
        return VERB if tag.startswith("V") else PUNCT
    if table is C5 and (tag[:2] in {"VV", "VB", "VD", "VH", "VM"} or word.lower().endswith(("n't", "n’t"))):
        return VERB  # a negative contraction too ("can't", "isn't"): HanTa, not knowing it, says a noun
    found = next((coarse for coarse, tags in table.items() if tag in tags), OTHER)
    if found == QUANT and table is C5 and word.lower() in DEMONSTRATIVES:
        return DET
    return found


def _tagged_by_hanta(sentence: list[tuple[str, int, int]], language: str) -> tuple[list[str], set[int]]:
    """The words' tags, and the words that may not start a phrase."""
    table = C5 if language == "en" else STTS
    raw = [(word, tag) for word, _, tag in _hanta(language).tag_sent([word for word, _, _ in sentence])]
    tags = [_coarse(tag, word, table) for word, tag in raw]
    inside: set[int] = set()
    for i, (word, tag) in enumerate(raw[:-1]):
        if tag in {"VVG", "VVN"} and i and tags[i - 1] in {DET, QUANT, ADJ} and tags[i + 1] in CONTENT:
            tags[i] = ADJ  # "the growing plant": a participle between a determiner and a noun
        elif tag == "NN2" and tags[i + 1] == NOUN and word.isalpha():  # a plural before a noun: a verb?
            if i and tags[i - 1] in {DET, QUANT, ADJ, NOUN}:
                inside |= {
                    i,
                    i + 1,
                }  # "honey bees store nectar", "the heart pumps blood": whole or not at all
            else:
                tags[i] = VERB  # "... and forms clouds"
    return tags, inside


def _romance_tag(word: str, before: str, language: str) -> str:
    lists = ROMANCE[language]
    lower = word.lower().replace("’", "'")
    if not any(ch.isalnum() for ch in lower):
        return PUNCT
    for tag, members in ((DET, lists.dropped), (QUANT, lists.quantifiers), (ADP, lists.prepositions),
                         (VERB, lists.verbs), (OTHER, lists.others)):  # fmt: skip
        if lower in members:
            return tag
    if lower.isdigit():
        return ADJ
    if lower.endswith("mente"):
        return OTHER
    if before in lists.dropped | lists.quantifiers:
        return NOUN  # "el mar", "la forma": after an article, a noun
    base = lemma(lower, language).lower()
    looks_infinitive = base.endswith(lists.infinitive_endings) and len(base) > 3
    if base != lower and looks_infinitive and lower not in {base + "s", base + "es"}:
        return VERB  # a conjugated form or participle of a verb (not the plural of "lugar")
    if base == lower and looks_infinitive and before in lists.before_infinitive:
        return VERB  # "para crecer", "à fondre"
    return NOUN


def tagged(text: str, language: str) -> list[list[Token]] | None:
    """The text's sentences as tagged tokens, or None for a language without a tagger or word lists."""
    if language in HANTA_MODELS:
        pattern = _WORD["head_last"]
    elif language in ROMANCE:
        pattern = _WORD["romance"]
    else:
        return None
    tokens = [(m.group(), m.start(), m.end()) for m in pattern.finditer(text)]
    sentences = []
    for sentence in _sentences(tokens):
        inside: set[int] = set()
        if language in HANTA_MODELS:
            tags, inside = _tagged_by_hanta(sentence, language)
        else:
            tags = []
            for i, (word, _, _) in enumerate(sentence):
                before = sentence[i - 1][0].lower().replace("’", "'") if i else ""
                tags.append(_romance_tag(word, before, language))
        sentences.append(
            [
                Token(w, s, e, t, n not in inside)
                for n, ((w, s, e), t) in enumerate(zip(sentence, tags, strict=True))
            ]
        )
    return sentences


def _runs(sentence: list[Token]) -> list[tuple[int, int]]:
    """(start, end) of each run of nouns and modifiers, a determiner or quantifier before it included."""
    runs = []
    i = 0
    while i < len(sentence):
        start = i
        if sentence[i].tag in {DET, QUANT}:
            i += 1
        j = i
        while j < len(sentence) and sentence[j].tag in CONTENT:
            j += 1
        if j > i:
            runs.append((start, j))
            i = j
        else:
            i = max(i, start + 1)
    return runs


def _noun_phrases(sentence: list[Token], language: str) -> list[tuple[int, int]]:
    """(start, end) of the noun phrases in a sentence: each run's own phrases (ending in its last noun in
    English and German, starting with its first one in the Romance languages, shortened from the other
    side), and each run joined to the next one by a linking word."""
    head_last = language in HEAD_LAST
    linking = LINKING[language] if head_last else ROMANCE[language].linking
    spans: list[tuple[int, int]] = []
    runs = _runs(sentence)
    for n, (start, end) in enumerate(runs):
        words = start + (sentence[start].tag in {DET, QUANT})
        nouns = [k for k in range(words, end) if sentence[k].tag == NOUN]
        if not nouns:
            continue
        if head_last:  # "the single large continent", "single large continent", ..., "continent"
            last = nouns[-1] + 1
            own = [(start, last), *((k, last) for k in range(words, last) if sentence[k].starts)]
        else:  # "tortuga marina", "tortuga"
            own = [(start, k) for k in range(nouns[0] + 1, end + 1)]
        spans += own
        if n + 1 < len(runs):
            joined = _joined(sentence, language, linking, own[0] if head_last else (start, end), runs[n + 1])
            if joined:
                spans.append(joined)
    return sorted(set(spans))


def _joined(
    sentence: list[Token], language: str, linking: set[str] | frozenset[str], span: tuple[int, int],
    following: tuple[int, int],
) -> tuple[int, int] | None:  # fmt: skip
    """The phrase ``span`` joined with the run ``following`` by the word between them, when it links."""
    start, end = span
    next_start, next_end = following
    between = [t.text.lower().replace("’", "'") for t in sentence[end:next_start]]
    if not between and sentence[next_start].tag == DET:  # "lumière du soleil", "Nektar der Blüten"
        between = [sentence[next_start].text.lower()]
        linking = linking | GENITIVE_ARTICLES if language == "de" else linking
    if len(between) != 1 or between[0] not in linking:
        return None
    nouns = [k for k in range(next_start, next_end) if sentence[k].tag == NOUN]
    if not nouns:
        return None
    return (start, nouns[-1] + 1) if language in HEAD_LAST else (start, nouns[0] + 1)


def _trimmed(sentence: list[Token], start: int, end: int, language: str) -> int:
    """Where a phrase starts once its article is left off ("the sun" -> "sun"), except before an English
    possessive ("The Earth's crust")."""
    first = sentence[start]
    if first.tag != DET or end - start < 2:
        return start
    if language == "en" and first.text.lower() == "the" and re.search(r"['’]s?$", sentence[start + 1].text):
        return start
    return start + 1


def _clause(sentence: list[Token]) -> tuple[int, int] | None:
    """A whole sentence of two to five words with a verb and a noun, starting with neither a connective
    nor a preposition: it reads on its own ("Plants need light", "Turn off the power")."""
    words = [k for k, t in enumerate(sentence) if t.tag != PUNCT]
    if not 2 <= len(words) <= MAX_WORDS or words != list(range(words[0], words[-1] + 1)):
        return None
    tags = [sentence[k].tag for k in words]
    if VERB not in tags or NOUN not in tags or tags[0] in {OTHER, ADP} or tags[-1] in {DET, QUANT, ADP}:
        return None
    if tags[0] == VERB and tags[-1] != NOUN:
        return None  # an instruction reads on its own when it names its object: "Turn off the power"
    return words[0], words[-1] + 1


def _weights(text: str, language: str) -> dict[str, float]:
    return {word.forms[-1]: word.weight for word in scene_words(text, language)}


def _phrase(
    text: str, tokens: list[Token], language: str, weights: dict[str, float], factor: float
) -> Phrase | None:
    words = [t for t in tokens if t.tag != PUNCT]
    content = [t for t in tokens if t.tag in CONTENT]
    phrase = text[tokens[0].start : tokens[-1].end]
    if not content or len(words) > MAX_WORDS or len(phrase) > MAX_CHARS:
        return None
    found = [weights.get(forms(t.text, language)[-1], UNRANKED) for t in content]
    # A clause's verb counts in what it says: "The sun sets" is not "The sun shines", "Sun" repeats both.
    lemmas = [forms(t.text, language)[-1] for t in tokens if t.tag in CONTENT | {VERB}]
    score = (max(found) + 0.5 * (sum(found) - max(found))) * LENGTH_FACTOR[len(words)] * factor
    return Phrase(phrase, frozenset(lemmas), round(score, 4))


@lru_cache(maxsize=512)
def candidates(text: str, language: str = "en") -> tuple[Phrase, ...]:
    """The scene's phrases that read on their own, best first."""
    text = clean(text)
    language = language_of(language)
    sentences = tagged(text, language)
    if sentences is None:
        return tuple(_as_phrase(p, language) for p in key_phrases(text, language) if len(p) <= MAX_CHARS)
    weights = _weights(text, language)
    _, repeated = without_repeats(text, language)  # "de flor en flor" says where to, not what
    best: dict[frozenset[str], Phrase] = {}
    for sentence in sentences:
        spans = [(_trimmed(sentence, a, b, language), b, 1.0) for a, b in _noun_phrases(sentence, language)]
        clause = _clause(sentence)
        if clause:
            spans.append((*clause, CLAUSE_FACTOR))
        for start, end, factor in spans:
            found = _phrase(text, sentence[start:end], language, weights, factor)
            if found is None or found.lemmas & repeated:
                continue
            if found.lemmas not in best or found.score > best[found.lemmas].score:
                best[found.lemmas] = found
    return tuple(sorted(best.values(), key=lambda p: -p.score))


def _as_phrase(text: str, language: str) -> Phrase:
    return Phrase(text, frozenset(forms(w, language)[-1] for w in text.split()), 0.0)


def _lemmas(text: str, language: str) -> frozenset[str]:
    return frozenset(forms(w, language)[-1] for w in re.findall(r"\w+", clean(text)))


def best_phrase(
    text: str, language: str = "en", title: str = "", before: frozenset[str] = frozenset()
) -> Phrase:
    """The scene's best phrase that is not made only of the video title's words and does not repeat the
    previous headline (``before``: its lemmas); an empty phrase when there is none."""
    language = language_of(language)
    title_words = _lemmas(title, language)
    for phrase in candidates(text, language):
        if phrase.lemmas <= title_words:
            continue
        if before and (phrase.lemmas <= before or before <= phrase.lemmas):
            continue
        return phrase
    return Phrase("", frozenset(), 0.0)


def _heading(heading: str, language: str, title: str) -> Phrase | None:
    """A person's heading as a headline, unless it only says the video's title again."""
    text = clean(heading)
    lemmas = _lemmas(text, language)
    if not lemmas or lemmas <= _lemmas(title, language):
        return None
    if len(text) > MAX_HEADING_CHARS:
        text = text[: MAX_HEADING_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–") + "…"
    return Phrase(text, lemmas, 1.0)


@dataclass(frozen=True)
class Headline:
    text: str  # "" for none
    from_heading: bool = False  # the person's heading over the scene, not a phrase found in its words


@lru_cache(maxsize=64)
def _script_headlines(
    prompts: tuple[str, ...], headings: tuple[str, ...], language: str, title: str
) -> tuple[Headline, ...]:
    shown: list[Headline] = []
    before: frozenset[str] = frozenset()
    for n, prompt in enumerate(prompts):
        heading = _heading(headings[n], language, title) if n < len(headings) else None
        chosen = heading or best_phrase(prompt, language, title, before)
        shown.append(Headline(capitalized(chosen.text), heading is not None))
        before = chosen.lemmas
    return tuple(shown)


def script_headlines(
    prompts: Sequence[str], headings: Sequence[str] = (), language: str = "en", title: str = ""
) -> list[Headline]:
    """Each scene's headline, in order: its heading when it has one (``headings``, "" for none), else its
    best phrase that differs from the headline before it, else none."""
    return list(_script_headlines(tuple(prompts), tuple(headings), language_of(language), title))
