"""A Markdown text as blocks of plain text: headings and the paragraphs a narrator reads out.

The token stream of markdown-it-py does the parsing, so emphasis, links, escapes and entities are
handled as CommonMark defines them. Code, HTML and images are dropped (they are not read out), list
items and table rows become short paragraphs, and indented text stays text (people indent paragraphs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..text import MAX_TITLE_CHARS, clean

_PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("code")
# YAML front matter (Jekyll, Hugo, Obsidian notes): a "---" line, then "key: value" lines, then "---".
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?=[\w-]+[ \t]*:).*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_SPOKEN_INLINE = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak", "html_inline"}
_SENTENCE_END = (".", "!", "?", "…", ":", ";", "。", "！", "？", "؟", "।")


@dataclass(frozen=True)
class Block:
    """A heading (``level`` 1-6, not read out) or a paragraph to read (``level`` 0)."""

    text: str
    level: int = 0

    @property
    def is_heading(self) -> bool:
        return self.level > 0


def parse_tokens(markdown: str) -> list[Token]:
    """The token stream, with a leading YAML front matter blanked out (line numbers stay the same)."""
    front = _FRONT_MATTER.match(markdown)
    if front:
        markdown = "\n" * front.group(0).count("\n") + markdown[front.end() :]
    return _PARSER.parse(markdown)


def inline_text(token: Token) -> str:
    """The words of an inline token: link text kept; markup, images and inline HTML dropped."""
    parts = []
    for child in token.children or []:
        if child.type in _SPOKEN_INLINE:
            parts.append(child.content)
        elif child.type in _BREAKS:
            parts.append(" ")
    return clean("".join(parts))


def _ended(text: str) -> str:
    """A list item or table row read as a sentence of its own."""
    return text if text.endswith(_SENTENCE_END) else f"{text}."


def _row_text(cells: list[str], header: list[str]) -> str:
    """A table row as a sentence: "Product: Sugar, Use: Energy." under a header, else its cells."""
    named = [f"{name}: {cell}" if name else cell for name, cell in zip(header, cells, strict=False) if cell]
    return _ended(", ".join(named or [cell for cell in cells if cell]))


def blocks(markdown: str) -> list[Block]:
    """Headings and paragraphs of a Markdown text, in order, with the markup stripped."""
    found: list[Block] = []
    heading = 0
    items = 0
    header: list[str] = []
    in_head = False
    row: list[str] | None = None
    for token in parse_tokens(markdown):
        kind = token.type
        if kind == "heading_open":
            heading = int(token.tag[1:])
        elif kind == "heading_close":
            heading = 0
        elif kind in ("list_item_open", "list_item_close"):
            items += 1 if kind == "list_item_open" else -1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            if in_head:
                header = row
            elif any(row):
                found.append(Block(_row_text(row, header)))
            row = None
        elif kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "inline":
            text = inline_text(token)
            if row is not None:
                row.append(text)
            elif not text:
                continue
            elif heading:
                found.append(Block(text, heading))
            else:
                found.append(Block(_ended(text) if items else text))
    return found


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def title_from_text(markdown: str, max_chars: int = MAX_TITLE_CHARS) -> str:
    """The text's first heading, else its first line, shortened at a word: a title or a topic."""
    found = blocks(markdown)
    first = next((b.text for b in found if b.is_heading), None)
    if first is None:
        first = next((line for line in markdown.splitlines() if has_words(line)), "")
        first = next((b.text for b in blocks(first)), first)
    return shorten(clean(first), max_chars)


def shorten(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0] if " " in text[: max_chars - 1] else text[: max_chars - 1]
    return f"{cut.rstrip(' ,;:-–')}…"
