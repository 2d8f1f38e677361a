"""Cleaning and checking the text people type: topics, narration, prompts."""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError
from .stage import Stage

MAX_TOPIC_CHARS = 500
MAX_SCENE_TEXT_CHARS = 2000

# Terminal escape sequences, removed whole (their parameters are not text): CSI ("\x1b[31m"), OSC
# ("\x1b]0;title\x07"), DCS/SOS/PM/APC strings up to their end mark (without one, only the escape goes,
# not the text after it), and two-character escapes; 8-bit forms too.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u2028\u2029\ufeff]")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？؟])\s+|(?<=[。！？])")


def clean(text: str) -> str:
    """NFC-normalise, drop escape sequences and control characters, collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", _ESCAPE.sub("", text))
    return _SPACE.sub(" ", text).strip()


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


def sentences(text: str) -> list[str]:
    """Split narration into sentences (keeps the punctuation)."""
    parts = [p.strip() for p in _SENTENCE_END.split(clean(text))]
    return [p for p in parts if p]
