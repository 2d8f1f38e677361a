"""Image prompts from a scene's key phrases, found by YAKE in the text's own language."""

from __future__ import annotations

from ..languages import language_code

PHRASES = 4
CANDIDATES = 15
MAX_WORDS_PER_PHRASE = 2


class PromptMaker:
    """Turns a scene's narration into an image prompt made of its key phrases (its own words)."""

    def __init__(self, language: str):
        import yake  # loaded with the first prompt, not at start-up

        # YAKE ships stop-word lists for about 35 languages and uses a neutral list for the others.
        self._extractor = yake.KeywordExtractor(
            lan=language_code(language), n=MAX_WORDS_PER_PHRASE, dedup_lim=0.9, top=CANDIDATES
        )

    def key_phrases(self, text: str) -> list[str]:
        """The best-scored phrases that share no word with a better one."""
        chosen: list[str] = []
        used: set[str] = set()
        for phrase, _score in self._extractor.extract_keywords(text):
            words = set(phrase.lower().split())
            if words & used:
                continue
            chosen.append(phrase)
            used |= words
            if len(chosen) == PHRASES:
                break
        return chosen

    def prompt(self, narration: str, fallback: str) -> str:
        """The key phrases joined, or ``fallback`` (e.g. the title) for a text too short to have any."""
        return ", ".join(self.key_phrases(narration)) or fallback
