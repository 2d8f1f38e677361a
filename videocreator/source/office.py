"""Word (.docx) and PDF files as Markdown text: headings stay headings, paragraphs stay paragraphs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.table import Table


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~|&])")
# What would start a heading, quote or list at the start of a line: "# ", "> ", "- ", "1. ".
_LINE_START = re.compile(r"^(\s*\d*)([#>+=-]|(?<=\d)[.)])")
_HYPHENATED = re.compile(r"(\w)-\n(\w)")
_HEADING_STYLE = re.compile(r"^heading (\d)$", re.IGNORECASE)


def escape(text: str) -> str:
    """Plain text that Markdown reads back as the same plain text."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(r"\1\\\2", text)


def _docx_prefix(style_name: str) -> str:
    """The Markdown that starts a paragraph of this Word style: "# " for headings, "- " for lists."""
    if style_name.lower() == "title":
        return "# "
    match = _HEADING_STYLE.match(style_name)
    if match:
        return "#" * min(int(match.group(1)), 6) + " "
    return "- " if style_name.lower().startswith("list") else ""


def _docx_table(table: Table) -> str:
    """A Word table as a Markdown table (its first row is the header)."""
    rows = [[escape(" ".join(cell.text.split())) for cell in row.cells] for row in table.rows]
    if not rows:
        return ""
    lines = [f"| {' | '.join(cells)} |" for cells in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def docx_markdown(path: Path) -> str:
    """The text of a Word document: Title and Heading styles become headings, lists and tables stay."""
    import docx  # loaded when a document is read, not at start-up
    from docx.table import Table

    parts = []
    for item in docx.Document(str(path)).iter_inner_content():
        if isinstance(item, Table):
            parts.append(_docx_table(item))
            continue
        text = " ".join(item.text.split())
        if text:
            parts.append(_docx_prefix(item.style.name if item.style is not None else "") + escape(text))
    return "\n\n".join(part for part in parts if part)


def pdf_pages(path: Path) -> list[str]:
    """The text layer of every page (empty strings for pages that are only pictures)."""
    from pypdf import PdfReader  # loaded when a PDF is read, not at start-up

    reader = PdfReader(path)
    if reader.is_encrypted:
        reader.decrypt("")
    return [page.extract_text() or "" for page in reader.pages]


def _rejoin(match: re.Match[str]) -> str:
    """A word cut at a line end ("exam-\\nple") is joined; a hyphen before a capital stays."""
    return match.group(1) + match.group(2) if match.group(2).islower() else match.group(0)


def pdf_markdown(pages: list[str]) -> str:
    """Page text as paragraphs: blank lines and pages separate them, words cut at a line end rejoin."""
    paragraphs = []
    for page in pages:
        for chunk in re.split(r"\n\s*\n", _HYPHENATED.sub(_rejoin, page)):
            text = " ".join(chunk.split())
            if text:
                paragraphs.append(escape(text))
    return "\n\n".join(paragraphs)
