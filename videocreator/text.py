"""Cleaning and checking the text people type (topics, narration, prompts), and the few facts about
writing that the writers, captions and cards share: which scripts go without spaces, how a title reads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import InputError
from .stage import Stage

MAX_TOPIC_CHARS = 500
MAX_SCENE_TEXT_CHARS = 2000
MAX_TITLE_CHARS = 80

# Terminal escape sequences, removed whole (their parameters are not text): CSI ("\x1b[31m"), OSC
# ("\x1b]0;title\x07"), DCS/SOS/PM/APC strings up to their end mark (without one, only the escape goes,
# not the text after it), and two-character escapes; 8-bit forms too.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u2028\u2029\ufeff]")
# Surrogates and private use: nothing to show or say. (Unassigned code points stay: a newer Unicode than
# Python's may have given them a meaning, such as a new emoji.)
_NO_GLYPH = frozenset(("Cs", "Co"))
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？؟])\s+|(?<=[。！？])")
# Titles written before a name: a sentence does not end after them.
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "dra",
        "drs",
        "prof",
        "profa",
        "sr",
        "sra",
        "srta",
        "sres",
        "ud",
        "uds",
        "hr",
        "hrn",
        "fr",
        "frl",
        "mme",
        "mlle",
        "mgr",
        "st",
        "sto",
        "sta",
    ]
)
_LAST_WORD = re.compile(r"(\S+)\.$")
OPENING = "([{«‹\"'“‘„¿¡"  # marks before a word: "(Dr." is a title as "Dr." is


# Scripts written without spaces between words: each character may start a line, a caption or a word.
_UNSPACED_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI")
# Han and kana: each character counts as a word (for lengths, pace and lemmas).
HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def clean(text: str) -> str:
    """NFC-normalise, drop escape sequences, control characters, surrogates and private-use characters,
    collapse whitespace."""
    text = _CONTROL.sub(" ", _ESCAPE.sub("", unicodedata.normalize("NFC", text)))
    if not text.isascii():
        text = "".join(ch for ch in text if unicodedata.category(ch) not in _NO_GLYPH)
    return _SPACE.sub(" ", text).strip()


def unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words."""
    name = unicodedata.name(ch, "")
    return any(script in name for script in _UNSPACED_SCRIPTS)


def capitalized(text: str) -> str:
    """``text`` with its first letter a capital, the rest as it is."""
    return text[:1].upper() + text[1:]


def title_of(topic: str) -> str:
    """A video's title from its topic: cleaned, short, with a capital first letter."""
    return capitalized(clean(topic)[:MAX_TITLE_CHARS])


def check_topic(topic: str) -> str:
    cleaned = clean(topic or "")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError("the topic is empty: type what the video should be about", stage=Stage.SCRIPT)
    if len(cleaned) > MAX_TOPIC_CHARS:
        raise InputError(
            f"the topic is {len(cleaned):,} characters long; keep it under {MAX_TOPIC_CHARS} "
            "(a topic is a line, the script is written from it)",
            stage=Stage.SCRIPT,
        )
    return cleaned


def check_scene_text(text: str, what: str, *, required: bool = True) -> str:
    cleaned = clean(text or "")
    if required and not any(ch.isalnum() for ch in cleaned):
        raise InputError(f"the {what} is empty", stage=Stage.SCRIPT)
    if len(cleaned) > MAX_SCENE_TEXT_CHARS:
        raise InputError(
            f"the {what} is {len(cleaned):,} characters long; keep it under {MAX_SCENE_TEXT_CHARS}",
            stage=Stage.SCRIPT,
        )
    return cleaned


def before_a_name(word: str) -> bool:
    """A title or an initial written before a name or a word ("Dr.", "Sra.", "J.", the "z." of "z. B."):
    no sentence, caption or line ends after it."""
    if not word.endswith("."):
        return False
    core = word[:-1].lstrip(OPENING)
    return core.lower() in TITLES or (len(core) == 1 and core.isalpha())


def continues(previous: str, piece: str) -> bool:
    """Whether ``piece`` goes on the sentence ``previous``, which only seemed to end: after a title or an
    initial (``before_a_name``), or before a lower-case word (a sentence starts with a capital where
    letters have one: "e.g. sunlight", "etc. to class")."""
    match = _LAST_WORD.search(previous)
    return match is not None and (before_a_name(match.group(0)) or piece[:1].islower())


def rejoined(pieces: Iterable[str]) -> list[str]:
    """Sentences from the pieces a splitter cut, each rejoined to the one before where it ``continues``."""
    merged: list[str] = []
    for piece in pieces:
        if merged and continues(merged[-1], piece):
            merged[-1] = f"{merged[-1]} {piece}"
        elif piece:
            merged.append(piece)
    return merged


def sentences(text: str) -> list[str]:
    """Split narration into sentences (keeps the punctuation); never after "Dr." or "e.g."."""
    return rejoined(part.strip() for part in _SENTENCE_END.split(clean(text)) if part.strip())
