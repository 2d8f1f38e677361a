"""A person's own text (notes, an article, a whole course) as the scenes of a video.

``reading`` gets the text in (files or pasted), ``document`` strips the Markdown, ``sentences`` and
``scenes`` cut it, ``condense`` shortens it, ``keywords`` finds image prompts, ``pace`` times it and
``sections`` splits a course into one video per part, and ``language`` finds the language it is in.
"""

from .document import Block, blocks, title_from_text
from .language import FoundLanguage, find_language
from .pace import count_letters, count_words, estimate_seconds, words_per_second
from .reading import MAX_BYTES, MAX_WORDS, SUFFIXES, check_text, read_source
from .sections import Section, sections, slug
from .sentences import split_sentences

__all__ = [
    "MAX_BYTES",
    "MAX_WORDS",
    "SUFFIXES",
    "Block",
    "FoundLanguage",
    "Section",
    "blocks",
    "check_text",
    "count_letters",
    "count_words",
    "estimate_seconds",
    "find_language",
    "read_source",
    "sections",
    "slug",
    "split_sentences",
    "title_from_text",
    "words_per_second",
]
