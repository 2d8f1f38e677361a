"""A course as sections: one video per top-level part, each in a folder named by its title."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .document import blocks, inline_text, parse_tokens, title_from_text

SLUG_CHARS = 60
# Names Windows refuses for a file or folder, whatever the extension.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}
_NOT_WORD = re.compile(r"[^\w]+|_+")


@dataclass(frozen=True)
class Section:
    title: str
    text: str  # Markdown, starting with its own heading


def _cut_level(levels: list[int]) -> int:
    """The highest heading level used more than once ("# Course" once over "## Lesson"s cuts at ##)."""
    return next((level for level in sorted(set(levels)) if levels.count(level) > 1), 1)


def sections(markdown: str) -> list[Section]:
    """The text cut at its top-level headings; a lead-in with words of its own is a section too."""
    lines = markdown.splitlines(keepends=True)
    tokens = parse_tokens(markdown)
    headings = [
        (int(token.tag[1:]), token.map[0], inline_text(tokens[index + 1]))
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.map is not None
    ]
    level = _cut_level([heading[0] for heading in headings])
    starts = [(line, title) for depth, line, title in headings if depth == level]
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, ""))
    found = []
    for (start, title), (end, _next) in zip(starts, [*starts[1:], (len(lines), "")], strict=True):
        text = "".join(lines[start:end]).strip()
        if any(not block.is_heading for block in blocks(text)):
            found.append(Section(title or title_from_text(text), text))
    return found


def slug(title: str, taken: set[str] | None = None) -> str:
    """A safe folder name for ``title`` (letters of any script kept), unique within ``taken`` (updated)."""
    text = unicodedata.normalize("NFKC", title).lower()
    base = _NOT_WORD.sub("-", text).strip("-")[:SLUG_CHARS].rstrip("-") or "section"
    if base in _RESERVED:
        base = f"{base}-section"
    taken = taken if taken is not None else set()
    name = base
    number = 2
    while name in taken:
        name = f"{base}-{number}"
        number += 1
    taken.add(name)
    return name
