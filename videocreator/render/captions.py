"""Captions: short chunks of the narration, and the words in them, timed from the narration.

Each sentence's span is exact (the narrator synthesises sentence by sentence); inside it the words carry
their own times (from the narrator, or found in the audio: see ``word_timing``), and a chunk lasts from
its first word until the next chunk's first word. Without word times, the words share their sentence's
span by how long they take to say.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from ..speech.word_timing import Word, is_unspaced, join_words, split_words, spread
from ..text import OPENING, before_a_name

_BREAK_AFTER = re.compile(r"[,;:\u2014\u2013\u3001\uff0c]$")
CJK_CHUNK_CHARS = 12
_CLAUSE_MARK = re.compile(r"[\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a,.!?;:]$")
# Words that lean on the word after them (articles, prepositions, conjunctions, possessives): a caption
# does not end on one when it can start the next caption instead.
_LEANING = {
    "en": "a an the of to in on at by for from with into onto over under about after before between "
    "through during without within and or but nor than that if because while my your his her its our "
    "their this these those some any every each no not very",
    "de": "der die das den dem des ein eine einen einem einer eines und oder aber von zu zum zur im in an "
    "am auf aus bei mit nach seit über unter vor durch für gegen ohne um mein meine dein sein seine ihr "
    "ihre unser dieser diese dieses jeder jede jedes kein keine sehr als wie wenn weil dass",
    "fr": "le la les un une des du de au aux à en dans sur sous par pour avec sans et ou mais que qui ce "
    "cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs très",
    "es": "el la los las un una unos unas de del al a en con por para sin sobre entre y o pero que mi mis "
    "tu tus su sus nuestro nuestra este esta estos estas ese esa muy",
    "it": "il lo la i gli le un uno una di del della dei delle al alla a da in con su per tra fra e o ma "
    "che mio mia tuo tua suo sua nostro questo questa molto",
    "pt": "o a os as um uma uns umas de do da dos das ao à em no na nos nas com por para sem sobre e ou "
    "mas que meu minha seu sua este esta muito",
    "nl": "de het een van in op aan met voor naar uit bij door over om te en of maar dat die dit deze "
    "mijn jouw zijn haar ons onze hun zeer",
}


def leaning_words(language: str) -> frozenset[str]:
    """The words of ``language`` a caption does not end on (none for a language not listed)."""
    return frozenset(_LEANING.get(language.lower().split("-")[0], "").split())


_SAME_SENTENCE_S = 0.05  # a word may start this much before its sentence's span (rounding)


@dataclass(frozen=True)
class Cue:
    text: str
    start: float
    end: float
    words: tuple[Word, ...] = ()  # each word of the text with its own (start, end), inside the cue's


@dataclass(frozen=True)
class FrameCue:
    """A cue in frames of one piece of video: from frame ``start`` to ``end``, its words from theirs."""

    text: str
    start: int
    end: int
    words: tuple[str, ...] = ()
    word_starts: tuple[int, ...] = ()

    def key(self, style: str) -> list[object]:
        """What of the cue changes the pictures in a caption ``style``."""
        if style == "phrase":
            return [self.text, self.start, self.end]
        return [self.text, self.start, self.end, list(self.word_starts)]

    def shown_at(self, frame: int, style: str) -> tuple[str, int | None, bool]:
        """What to draw at ``frame``: the text, the index of its word to highlight (the one spoken last),
        and whether the text is one word drawn alone."""
        if style == "phrase" or not self.words:
            return self.text, None, False
        spoken = max(0, bisect_right(self.word_starts, frame) - 1)
        if style == "word":
            return self.words[spoken], None, True
        return self.text, spoken, False


def _leans(word: str, leaning: frozenset[str]) -> bool:
    """Whether a caption should not end on ``word``: a title or an initial (``before_a_name``), or one of
    the ``leaning`` words ("from", "der"; "(from" as "from")."""
    return before_a_name(word) or word.lower().lstrip(OPENING) in leaning


def _groups(
    words: list[str], max_words: int, unspaced: bool, leaning: frozenset[str] = frozenset()
) -> list[list[str]]:
    """Words grouped into caption-sized pieces, preferring breaks after punctuation; a full piece does not
    end on a word that ``_leans`` on the next ("collect nectar | from flowers", "Dr. | Ingenhousz") while it
    keeps two words or more (a title then takes its name along, up to two words over the limit), and no
    piece holds one word alone unless the sentence is one word (or ``max_words`` is 1)."""
    if unspaced:
        return _groups_by_characters(words)
    pieces: list[list[str]] = [[]]
    for n, word in enumerate(words):
        current = pieces[-1]
        current.append(word)
        following = words[n + 1] if n + 1 < len(words) else ""
        natural = _BREAK_AFTER.search(word) and len(current) >= 2
        # A full chunk still takes the next word when that word closes the phrase ("... magma rises,").
        closes_next = len(current) == max_words and _BREAK_AFTER.search(following)
        full = len(current) >= max_words and not closes_next
        if natural:
            pieces.append([])
        elif full:
            keep = len(current)
            while keep > 2 and _leans(current[keep - 1], leaning):
                keep -= 1
            if before_a_name(current[keep - 1]) and following and len(current) < max_words + 2:
                continue  # too short to leave "Dr." for the next piece: this one takes the name too
            pieces[-1], carried = current[:keep], current[keep:]
            pieces.append(carried)
    pieces = [p for p in pieces if p]
    if len(pieces) > 1 and len(pieces[-1]) == 1 < max_words:
        _adopt_last_word(pieces, max_words)
    return pieces


def _adopt_last_word(pieces: list[list[str]], max_words: int) -> None:
    """A last piece of one word joins the piece before when that fits a little over the limit, else
    takes that piece's last word (when that is not the end of a clause, and the word before it not a
    title), else joins it, unless that would take it more than two words over the limit."""
    before = pieces[-2]
    may_give = not _BREAK_AFTER.search(before[-1]) and not before_a_name(before[-2])
    if (len(before) > max_words and may_give) or len(before) + 1 > max_words + 2:
        pieces[-1].insert(0, before.pop())
    else:
        before.extend(pieces.pop())


def _hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _katakana(ch: str) -> bool:
    return "\u30a0" <= ch <= "\u30ff"


def _cut_after(unit: str, following: str) -> int:
    """How good a place to cut a caption of an unspaced script is between ``unit`` and ``following``:
    after a clause's mark best, then where hiragana (a particle, an ending) meets the next word; never
    inside a word of katakana ("マグマ")."""
    if _CLAUSE_MARK.search(unit):
        return 2
    if _katakana(unit[-1]) and _katakana(following[0]):
        return -1
    return 1 if _hiragana(unit[-1]) and not _hiragana(following[0]) else 0


def _groups_by_characters(words: list[str]) -> list[list[str]]:
    """Pieces of at most CJK_CHUNK_CHARS characters, each cut at the best place within it (see
    ``_cut_after``); a last piece of a character or two joins the one before."""
    pieces: list[list[str]] = []
    rest = list(words)
    while rest:
        room, taken = 0, 0
        while taken < len(rest) and room + len(rest[taken]) <= CJK_CHUNK_CHARS:
            room, taken = room + len(rest[taken]), taken + 1
        if taken == len(rest):
            pieces.append(rest)
            break
        taken = max(1, taken)
        cuts = [(_cut_after(rest[i - 1], rest[i]), i) for i in range(max(1, taken // 3), taken + 1)]
        best, at = max(cuts)
        pieces.append(rest[: at if best >= 0 else taken])
        rest = rest[len(pieces[-1]) :]
    if len(pieces) > 1 and sum(map(len, pieces[-1])) <= 2:
        pieces[-2].extend(pieces.pop())
    return pieces


def chunk(sentence: str, max_words: int, language: str = "") -> list[str]:
    """Split a sentence into caption-sized pieces (by characters in scripts written without spaces)."""
    groups = _groups(split_words(sentence), max_words, is_unspaced(sentence), leaning_words(language))
    return [join_words(g) for g in groups]


def _sentence_words(text: str, start: float, end: float, words: Sequence[Word]) -> list[Word]:
    """The timed words of one sentence: those given inside its span when they are its words, else its
    words spread over the span."""
    expected = split_words(text)
    inside = [w for w in words if start - _SAME_SENTENCE_S <= w[1] < end]
    if [w[0] for w in inside] == expected:
        return [(w, max(start, a), min(end, max(a, b))) for w, a, b in inside]
    return spread(expected, start, end)


def cues_for(
    sentences: list[tuple[str, float, float]],
    offset: float,
    max_words: int,
    words: Sequence[Word] = (),
    language: str = "",
) -> list[Cue]:
    """Cues for one scene: ``sentences`` and ``words`` are (text, start, end) relative to its narration
    start, ``offset`` is where that falls in the video."""
    cues, leaning = [], leaning_words(language)
    for text, start, end in sentences:
        timed = _sentence_words(text, start, end, words)
        groups = _groups([w[0] for w in timed], max_words, is_unspaced(text), leaning)
        cue_start, at = start, 0
        for group in groups:
            mine, at = timed[at : at + len(group)], at + len(group)
            cue_end = timed[at][1] if at < len(timed) else end
            shifted = tuple((w, offset + a, offset + b) for w, a, b in mine)
            cues.append(Cue(join_words(group), offset + cue_start, offset + cue_end, shifted))
            cue_start = cue_end
    return cues


def _timestamp(seconds: float, separator: str = ",") -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{n}\n{_timestamp(c.start)} --> {_timestamp(c.end)}\n{c.text}\n" for n, c in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def _karaoke(cue: Cue) -> str:
    """The cue's text with a WebVTT timestamp before each word spoken after the cue starts."""
    if not cue.words:
        return cue.text
    stamped = [
        f"<{_timestamp(start, '.')}>{word}" if round(start * 1000) > round(cue.start * 1000) else word
        for word, start, _ in cue.words
    ]
    return join_words(stamped)


def to_vtt(cues: list[Cue]) -> str:
    """WebVTT with a timestamp before each word: players that support it show the words as spoken."""
    blocks = [f"{_timestamp(c.start, '.')} --> {_timestamp(c.end, '.')}\n{_karaoke(c)}\n" for c in cues]
    return "\n".join(["WEBVTT\n", *blocks])
