"""Word (.docx) and PDF files as Markdown text: headings stay headings, paragraphs stay paragraphs.

Both are read within a ``Budget`` (see ``reading``), reported to as they are read: a Word file's parts
are checked, unpacked and their XML counted before python-docx sees them, a PDF's pages are counted
before any is read and read one by one, with pypdf's own limits set from the same budget.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import XMLParser
    from pypdf import PageObject, PdfReader

    from .reading import Budget


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


def _docx_table(table: Table, budget: Budget) -> str:
    """A Word table as a Markdown table (its first row is the header)."""
    rows = []
    for row in table.rows:
        budget.tick()
        rows.append([escape(" ".join(cell.text.split())) for cell in row.cells])
    if not rows:
        return ""
    lines = [f"| {' | '.join(cells)} |" for cells in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def _docx_paragraph(paragraph: Paragraph) -> str:
    text = " ".join(paragraph.text.split())
    if not text:
        return ""
    style = paragraph.style  # looked up once: each lookup searches the styles
    return _docx_prefix(style.name if style is not None else "") + escape(text)


# What Word writes; zipfile inflates other methods (bzip2, LZMA) a whole read at once, past any size.
_WORD_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_CHUNK = 1024 * 1024


def _docx_parts(package: zipfile.ZipFile, budget: Budget) -> list[zipfile.ZipInfo]:
    """The parts of a Word file, once each, after checking how they are packed and what they declare
    they inflate to (zipfile never reads a part past its declared size when reading it in chunks)."""
    parts = {info.filename: info for info in package.infolist() if not info.is_dir()}
    for info in parts.values():
        if info.compress_type not in _WORD_COMPRESSION or info.flag_bits & 0x1:
            raise ValueError(f"{info.filename} is encrypted or packed in a way Word does not use")
    budget.add_inflated(sum(info.file_size for info in parts.values()))
    return list(parts.values())


class _XmlNodes:
    """An lxml parser target that counts what a part's XML would hold as a tree, and builds none."""

    def __init__(self, budget: Budget):
        self._budget = budget

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self._budget.add_xml_nodes(1 + len(attributes))

    def start_ns(self, prefix: str, uri: str) -> None:
        self._budget.add_xml_nodes(1)

    def close(self) -> None:
        return None


def _still_xml(counter: XMLParser, chunk: bytes) -> bool:
    """Feed ``chunk`` to the counting parser: False once the part is not (or no longer) XML. Its nodes
    up to there are counted, as many as python-docx would build before refusing it."""
    from lxml.etree import XMLSyntaxError

    try:
        counter.feed(chunk)
    except XMLSyntaxError:
        return False
    return True


def _copy_part(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, copy: zipfile.ZipFile, budget: Budget
) -> None:
    """Copy one part in chunks (which stop at its declared size), counting its XML on the way."""
    from lxml import etree

    counter = etree.XMLParser(target=_XmlNodes(budget), resolve_entities=False, no_network=True)
    xml = True
    budget.tick()
    with package.open(info) as part, copy.open(info.filename, "w") as copied:
        while chunk := part.read(_CHUNK):
            copied.write(chunk)
            xml = xml and _still_xml(counter, chunk)
            budget.tick()


def _docx_unpacked(path: Path, budget: Budget) -> io.BytesIO:
    """The Word file with its parts checked and stored uncompressed, for python-docx to read.

    python-docx reads each part whole, and zipfile inflates all of a part's data before cutting it to
    the declared size, so a part declaring 100 bytes could still inflate to gigabytes there; here each
    part is copied in chunks, and python-docx parses only XML whose size as a tree is known."""
    unpacked = io.BytesIO()
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(unpacked, "w") as copy:
        for info in _docx_parts(package, budget):
            _copy_part(package, info, copy, budget)
    unpacked.seek(0)
    return unpacked


def docx_markdown(path: Path, budget: Budget) -> str:
    """The text of a Word document: Title and Heading styles become headings, lists and tables stay."""
    import docx  # loaded when a document is read, not at start-up
    from docx.table import Table

    parts = []
    for item in docx.Document(_docx_unpacked(path, budget)).iter_inner_content():
        budget.tick()
        part = _docx_table(item, budget) if isinstance(item, Table) else _docx_paragraph(item)
        budget.add_chars(len(part))
        parts.append(part)
    return "\n\n".join(part for part in parts if part)


_UNPACKED_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "stream_decoding_work_maximum_length",
)


def _pypdf_limits(budget: Budget) -> dict[str, Any]:
    """pypdf's own limits, made no looser than the budget: no stream unpacks or parses past its share,
    and listing the pages stops soon after the page limit (a page tree has fewer inner nodes than
    pages unless one has a single kid)."""
    from pypdf import get_configuration

    wanted = dict.fromkeys(_UNPACKED_LIMITS, budget.step_bytes)
    wanted["stream_parsing_work_maximum_count"] = budget.step_items
    wanted["page_tree_maximum_entries"] = 2 * budget.limits.max_document_pages
    current = get_configuration()
    return {name: min(value, getattr(current, name)) for name, value in wanted.items()}


def _pdf_page_count(reader: PdfReader) -> int | None:
    """How many pages the PDF has, or None when listing them passed the page-tree limit."""
    from pypdf.errors import LimitReachedError

    try:
        return len(reader.pages)
    except LimitReachedError:
        return None


def _pdf_page_text(page: PageObject, budget: Budget) -> str:
    """One page's text, checked before its content is parsed and after each operator read."""
    budget.tick()
    content = page.get_contents()
    budget.add_page_content(len(content.get_data()) if content is not None else 0)
    text = page.extract_text(visitor_operand_before=lambda *_: budget.tick()) or ""
    budget.add_chars(len(text))
    return text


def pdf_pages(path: Path, budget: Budget) -> list[str]:
    """The text layer of every page (empty strings for pages that are only pictures)."""
    from pypdf import PdfReader, apply_configuration  # loaded when a PDF is read, not at start-up

    with apply_configuration(**_pypdf_limits(budget)):
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        budget.check_pages(_pdf_page_count(reader))
        return [_pdf_page_text(page, budget) for page in reader.pages]


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
