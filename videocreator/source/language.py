"""The language a person's text is written in, found when they did not say (py3langid, which ships its
model: nothing downloads), among the languages the writers and voices know by name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..languages import LANGUAGE_NAMES, language_name

SAMPLE_CHARS = 5_000  # enough text to be sure; more only costs time
SURE = 0.8  # below this (a word or two: "Volcanoes" reads as Dutch at 20%), the text is taken as English


@dataclass(frozen=True)
class FoundLanguage:
    code: str
    probability: float

    @property
    def sure(self) -> bool:
        return self.probability >= SURE

    @property
    def line(self) -> str:
        """What the person is told: which language, and how to choose another."""
        how = "give --language (or choose it in the studio) for another"
        if not self.sure:
            return f"language: English, as your text is too short to tell; {how}"
        found = f"{language_name(self.code)} ({self.code}), found in your text ({self.probability:.0%} sure)"
        return f"language: {found}; {how}"


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # loaded when first needed (0.7 s)

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(LANGUAGE_NAMES))
    return identifier


def find_language(text: str) -> FoundLanguage:
    """The language of ``text``, one of ``LANGUAGE_NAMES``, with how sure the model is."""
    code, probability = _identifier().classify(text[:SAMPLE_CHARS])
    return FoundLanguage(str(code), float(probability))
