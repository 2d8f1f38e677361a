"""The languages the program speaks of by name, and a language tag's primary code ("pt-BR" -> "pt")."""

from __future__ import annotations

import re

FALLBACK_LANGUAGE = "en"

LANGUAGE_NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "ar": "Arabic",
    "he": "Hebrew", "hi": "Hindi", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "th": "Thai",
}  # fmt: skip


def language_code(language: str) -> str:
    """The primary subtag of a language tag: "pt-BR" -> "pt"."""
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or FALLBACK_LANGUAGE


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(language_code(code), code)
