"""What a scene's text is about: its words by importance (YAKE), as lemmas (simplemma), and a key phrase.

Both libraries ship their data (stop words, lemma dictionaries): nothing is downloaded. A language either
library does not know still works, with plain lower-cased words and no stop-word list.

Pictograms show things, so a word that reads as a verb counts for a third (``VERB``). Without a
part-of-speech tagger that is read from the word's inflection and its neighbour: in English an inflected word
that is no plural ("called", "rang", "running") or one after a subject pronoun or a modal verb ("it starts",
"can fly"); in Romance languages, Dutch, Russian and Hindi an inflected word whose lemma is an infinitive
("llevan" of "llevar", "vliegt" of "vliegen", "извергает" of "извергать", "निकलता" of "निकलना"); in German,
where every noun is capitalised, any lower-case word.

Each word also knows the compounds it is the modifier of: "house" in "the house bees", "honey" in "a honey
stomach", "miel" in "la abeja de la miel". The pictogram matcher draws the head noun ("bee") rather than the
modifier, and the modifier only when the head has no picture. Without a part-of-speech tagger, a compound is
two adjacent content words read with a few rules of word order (see ``_compounds``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

if TYPE_CHECKING:
    import yake

from ..text import clean


@dataclass(frozen=True)
class SceneWord:
    """A word of the scene as written, the forms it is looked up by, its importance in (0, 1] and, when it
    only ever stands as the modifier of a compound, the scene words (``text``) of the compounds' heads:
    ``heads`` where the compound is certain ("house bee", "abeja de la miel"), ``near`` where the words may
    also be a noun and its verb or adjective ("honey bees in ..." or "bee flies from ...", "tortuga marina"
    or "abejas producen"). ``aside``: an English word that only ever stands after a preposition ("sleeps on
    a leaf"), which says where more than what the scene shows."""

    text: str
    forms: tuple[str, ...]
    weight: float
    heads: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    aside: bool = False


HEAD_LAST = {"en"}  # "house bee", "fire truck": the last noun is the head (German and Dutch write one word)
HEAD_FIRST = {"es", "fr", "pt", "it"}  # "tortuga marina", "abeja de la miel": the first noun is the head
# Romance "of" (alone or joined with an article) and the articles that may follow it: "abeja de la miel".
OF = {"de", "del", "d", "du", "des", "do", "da", "dos", "das", "di", "dei", "degli", "della", "delle",
      "dello"}  # fmt: skip
OF_ARTICLES = {"la", "las", "los", "el", "l", "le", "les", "lo", "il", "gli"}
# English words after which a word is a verb, not a head noun: "the bees cap it", "a turtle swims across".
OBJECTS = {"a", "an", "the", "it", "them", "him", "her", "its", "their", "his", "our", "my", "your", "this",
           "that", "these", "those", "some", "every", "each", "me", "us", "you", "one"}  # fmt: skip
SINGULAR = {"a", "an", "one", "each", "every", "this", "that", "another"}
AUXILIARIES = {"is", "are", "was", "were", "be", "been", "have", "has", "had", "do", "does", "did", "can",
               "could", "will", "would", "may", "might", "must", "shall", "should", "keep", "often",
               "also", "never", "always", "usually", "then"}  # fmt: skip
# "from flower to flower", "mouth to mouth", "de flor en flor": one place said twice, not two mentions.
REPEATS = {
    "en": "to|by|after|in|upon",
    "es": "a|en|tras|por",
    "fr": "à|en|après|par|pour",
    "de": "zu|für|an|um|in",
    "pt": "a|em|após|por",
    "it": "a|in|dopo|per",
    "nl": "tot|na|aan|voor|om|in",
}
WORD = re.compile(r"[^\W\d_]+")
VERB = 1 / 3  # the share of its weight a word that reads as a verb keeps
# English words after which a word is a verb: subject pronouns and modal verbs ("it starts", "can fly").
BEFORE_VERBS = {"i", "you", "he", "she", "it", "we", "they", "can", "could", "will", "would", "may", "might",
                "must", "shall", "should", "do", "does", "did"}  # fmt: skip
# Endings of an infinitive, the lemma of a verb: an inflected word with such a lemma reads as a verb.
INFINITIVES = {
    "es": ("ar", "er", "ir"),
    "pt": ("ar", "er", "ir", "or"),
    "fr": ("er", "ir", "re", "oir"),
    "it": ("are", "ere", "ire", "rre"),
    "nl": ("en",),
    "ru": ("ть", "ться", "ти", "чь"),
    "hi": ("ना",),
}
# English words after which a noun says where or how more than what the scene shows ("sleeps on a leaf").
PREPOSITIONS = {"on", "in", "at", "under", "over", "inside", "into", "onto", "through", "across", "from",
                "to", "towards", "toward", "near", "behind", "beside", "along", "around", "above", "below",
                "between", "within", "among", "against", "upon", "beneath", "past", "via"}  # fmt: skip
DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "its", "their", "his", "her", "our",
               "my", "your", "some", "each", "every"}  # fmt: skip
PLURALS = {"children", "men", "women", "people", "mice", "teeth", "feet", "geese", "oxen", "lice"}  # no -s
KEPT_MARKS = {"\u3099", "\u309a"}  # Japanese voicing marks: "はち" (bee) is no "ばち"


def fold(word: str) -> str:
    """Case and accents folded: "Volcán" and "volcan" are one word."""
    lower = word.casefold()
    if lower.isascii():
        return lower
    decomposed = unicodedata.normalize("NFKD", lower)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch in KEPT_MARKS)
    return unicodedata.normalize("NFC", kept)


def lemma(word: str, language: str) -> str:
    if language not in SUPPORTED_LANGUAGES:
        return word
    return simplemma.lemmatize(word, lang=language)


def forms(word: str, language: str) -> tuple[str, ...]:
    """The word folded as written and as its lemma (the lemmatizer is wrong now and then)."""
    return tuple(dict.fromkeys((fold(word), fold(lemma(word, language)))))


def without_repeats(text: str, language: str) -> tuple[str, set[str]]:
    """The text with a word said twice around a preposition said once ("mouth to mouth" -> "mouth"), and
    those words (lemmas, folded)."""
    joins = REPEATS.get(language, REPEATS["en"])
    pattern = re.compile(rf"\b([^\W\d_]+)\s+(?:{joins})\s+\1\b", flags=re.IGNORECASE)
    repeated = {forms(m.group(1), language)[-1] for m in pattern.finditer(text)}
    return pattern.sub(r"\1", text), repeated


@lru_cache(maxsize=16)
def _extractor(language: str, ngrams: int) -> yake.KeywordExtractor:
    import yake  # loaded with the first picture's words, not at start-up

    return yake.KeywordExtractor(lan=language, n=ngrams, top=40)


@lru_cache(maxsize=256)
def scene_words(text: str, language: str = "en") -> tuple[SceneWord, ...]:
    """The scene's content words, most important first: weights fall from 1 to 0.5 along YAKE's ranking,
    and stop words are left out. A word that reads as a verb counts for a third (see the module's
    docstring). A word said twice around a preposition ("mouth to mouth", "from flower to flower") counts
    once, and for half: it says how, or where to, more than what the scene shows."""
    cleaned, repeated = without_repeats(clean(text), language)
    extractor = _extractor(language, 1)
    ranked = [kw for kw, _ in extractor.extract_keywords(cleaned)]
    before = _before(cleaned) if language == "en" else {}
    seen: dict[str, SceneWord] = {}
    verbs: set[str] = set()
    for rank, word in enumerate(ranked):
        weight = 1.0 - 0.5 * rank / max(1, len(ranked) - 1)
        word_forms, after = forms(word, language), before.get(word.casefold(), set())
        verbal = _verbal(word, language, after)
        if verbal:
            weight *= VERB
            verbs.add(word_forms[-1])
        if word_forms[-1] in repeated:
            weight /= 2
        aside = not verbal and bool(after) and after <= PREPOSITIONS
        seen.setdefault(word_forms[-1], SceneWord(word, word_forms, round(weight, 4), aside=aside))
    for modifier, (heads, near) in _compounds(cleaned, language, extractor.stopword_set).items():
        if modifier not in seen or modifier in repeated | verbs:  # "mouth to mouth", "running late"
            continue
        word = seen[modifier]
        sure, loose = (
            tuple(seen[h].text for h in sorted(k - repeated - verbs - {modifier}) if h in seen)
            for k in (heads, near)
        )
        if sure or loose:
            seen[modifier] = replace(word, heads=sure, near=loose)
    return tuple(seen.values())


def _before(text: str) -> dict[str, set[str]]:
    """Per word (lower-cased), the words it follows in ``text``, past articles and possessives ("on a
    leaf": "on"; "" at the start of a sentence or clause)."""
    found: dict[str, set[str]] = {}
    previous = ""
    for match in re.finditer(r"[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?;:,]", text):
        token = match.group().casefold()
        if not token[0].isalpha():
            previous = ""
        elif token not in DETERMINERS:
            found.setdefault(token, set()).add(previous)
            previous = token
    return found


def _verbal(word: str, language: str, after: set[str]) -> bool:
    """Whether a scene word reads as a verb (or, in German, an adjective): see the module's docstring.
    ``after``: the words it follows in the scene (English)."""
    if language == "de":
        return word[:1].islower()
    written, base = word.casefold(), lemma(word, language).casefold()
    if language == "en":
        inflected = written != base and not written.endswith("s") and written not in PLURALS
        return inflected or (bool(after) and after <= BEFORE_VERBS)
    endings = INFINITIVES.get(language, ())
    plural = written in {base + "s", base + "es"}
    return bool(endings) and written != base and base.endswith(endings) and not plural


def _compounds(text: str, language: str, stop: set[str]) -> dict[str, tuple[set[str], set[str]]]:
    """Per word (its lemma, folded), the heads of the compounds it is the modifier of, certain and loose,
    for the words that are modifiers wherever they stand. English: the last of two adjacent nouns is the
    head ("house bee"), unless it reads as a verb: after a plural ("bees cap"), as an -ed or -ing form,
    before an object ("cap it"), or as an -s form after "a" ("a turtle swims"); an -s form before a
    preposition may be either ("honey bees in", "bee flies from"): loose. Romance languages: the noun
    before "de" is the head ("abeja de la miel"), and loosely, the first of two adjacent words."""
    if language not in HEAD_LAST | HEAD_FIRST:
        return {}
    tokens = [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]
    lower = [t.casefold() for t, _, _ in tokens]
    keys = [forms(t, language)[-1] for t, _, _ in tokens]
    content = [len(w) > 1 and w not in stop for w in lower]
    joined = [_joined(text[tokens[i][2] : tokens[i + 1][1]]) for i in range(len(tokens) - 1)]
    roles: dict[str, list[tuple[str, bool] | None]] = {}
    for i, key in enumerate(keys):
        if content[i]:
            roles.setdefault(key, []).append(None)
    for i in range(len(tokens) - 1):
        if language in HEAD_LAST:
            pair = _english(i, lower, keys, content, joined)
        else:
            pair = _romance(i, lower, content, joined)
        if pair is not None:
            modifier, head, sure = pair
            occurrences = roles[keys[modifier]]
            if None in occurrences:
                occurrences[occurrences.index(None)] = (keys[head], sure)
    return {
        key: ({h for h, sure in heads if sure}, {h for h, sure in heads if not sure})  # type: ignore[misc]
        for key, heads in roles.items()
        if None not in heads
    }


def _joined(gap: str) -> bool:
    return gap.isspace() or gap == "-" or gap in {"'", "’"}


def _inflected(word: str, key: str, ending: str) -> bool:
    return word.endswith(ending) and fold(word) != key


def _english(i: int, lower: list[str], keys: list[str], content: list[bool], joined: list[bool]):
    if not (joined[i] and content[i] and content[i + 1]):
        return None
    modifier, head = lower[i], lower[i + 1]
    if _inflected(modifier, keys[i], "s"):
        return None  # a plural is a subject: "bees cap it"
    if _inflected(head, keys[i + 1], "ed") or _inflected(head, keys[i + 1], "ing"):
        return None
    after = lower[i + 2] if i + 2 < len(lower) and joined[i + 1] else ""
    before = lower[i - 1] if i > 0 and joined[i - 1] else ""
    if after in OBJECTS:
        return None
    if _inflected(head, keys[i + 1], "s"):
        if before in SINGULAR:
            return None  # "a turtle swims": a verb
        if after and after != "of" and not content[i + 2] and after not in AUXILIARIES:
            return i, i + 1, False  # "honey bees in the hive", "the bee flies from"
    return i, i + 1, True


def _romance(i: int, lower: list[str], content: list[bool], joined: list[bool]):
    if not (content[i] and joined[i]):
        return None
    if content[i + 1]:
        return i + 1, i, False
    if lower[i + 1] not in OF:
        return None
    j = i + 2
    if j < len(lower) and lower[j] in OF_ARTICLES and joined[i + 1]:
        j += 1
    if j < len(lower) and content[j] and joined[j - 1]:
        return j, i, True
    return None


def key_phrases(text: str, language: str = "en") -> list[str]:
    """Phrases of two to four words exactly as they stand in the text, best first (YAKE n-grams)."""
    cleaned = clean(text)
    phrases = [kw for kw, _ in _extractor(language, 3).extract_keywords(cleaned)]
    return [p for p in phrases if 2 <= len(p.split()) <= 4 and p in cleaned]
