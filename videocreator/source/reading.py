"""Reading a person's own text: a file (.txt, .md, .docx, .pdf) or pasted text, checked on the way in.

Whatever the source, the result is Markdown text (plain text is valid Markdown), so everything after
this step has a single format. Every problem is one line that names the file and says what to do.

A document is read within a ``Budget`` taken from the ``Limits`` of the way in (a public server's are
smaller): what its parts inflate to, the XML a Word file makes, its pages, its characters and the
seconds reading takes are checked while it is read, so a small file that inflates to gigabytes, or one
stream shared by thousands of pages, stops at the first budget passed; a Stop asked for meanwhile ends
the read the same way.
"""

from __future__ import annotations

import codecs
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Stopped
from ..limits import LOCAL, MB, Limits
from ..stage import Stage
from ..text import clean
from .document import blocks, has_words
from .office import docx_markdown, pdf_markdown, pdf_pages
from .pace import count_words

MAX_BYTES = 10 * 1024 * 1024
MAX_WORDS = 50_000
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")
PASTED = "the pasted text"
# A Word file's XML is held as a tree, about 200 bytes an element or attribute, so its count is capped
# too: a fixed allowance for styles, numbering and theme, and plenty for each character of text allowed.
XML_NODES_ALLOWED = 100_000
XML_NODES_PER_CHARACTER = 10
# pypdf parses a PDF page's whole content stream before reading it, and that cannot be stopped part-way,
# so one stream may hold only what a tenth of the time budget parses, at the slowest rates pypdf parses
# on one core here: about 2.5 MB of comments or spaces, or 100,000 items (operators, operands), a second.
STEP_SHARE = 0.1
PARSED_BYTES_PER_SECOND = 2.5 * MB
PARSED_ITEMS_PER_SECOND = 100_000


def _fail(source: str, problem: str) -> InputError:
    return InputError(f"{source} {problem}", stage=Stage.SCRIPT)


def _why(exc: Exception) -> str:
    return clean(str(exc))[:120] or type(exc).__name__


def _never() -> bool:
    return False


@dataclass
class Budget:
    """What reading one file may take, from ``limits``: the readers report as they go, and the first
    budget passed (or a Stop) ends the read with one line naming the file and the limit."""

    source: str
    limits: Limits
    stopping: Callable[[], bool]
    started: float = field(default_factory=time.monotonic)
    inflated: int = 0
    xml_nodes: int = 0
    chars: int = 0

    @property
    def step_bytes(self) -> int:
        """What one stream of a PDF may unpack to: its share of the time budget, and of the bytes."""
        share = STEP_SHARE * self.limits.max_document_s * PARSED_BYTES_PER_SECOND
        return min(self.limits.max_document_bytes, int(share))

    @property
    def step_items(self) -> int:
        """How many operators and operands one stream of a PDF may hold: its share of the time budget."""
        return int(STEP_SHARE * self.limits.max_document_s * PARSED_ITEMS_PER_SECOND)

    def tick(self) -> None:
        """Between two small steps of reading: stop if the person asked to, or if time is up."""
        if self.stopping():
            raise Stopped(Stage.SCRIPT)
        seconds = self.limits.max_document_s
        if time.monotonic() - self.started > seconds:
            raise _fail(
                self.source,
                f"takes more than {seconds:g} s to read; the limit here is {seconds:g} s: "
                "save only its text as .txt, or paste it",
            )

    def add_inflated(self, size: int) -> None:
        """``size`` more bytes unpacked from the file (a part of a .docx, a page's content in a .pdf)."""
        self.inflated += size
        if self.inflated > self.limits.max_document_bytes:
            limit = self.limits.max_document_bytes / MB
            raise _fail(
                self.source,
                f"inflates past {limit:g} MB when read; the limit here is {limit:g} MB: "
                "save only its text as .txt, or paste it",
            )

    def add_page_content(self, size: int) -> None:
        """A PDF page's content, parsed whole before it is read: at most ``step_bytes``, and counted as
        unpacked each time a page uses it (a stream shared by many pages counts once for each)."""
        if size > self.step_bytes:
            raise _fail(
                self.source,
                f"has a page of {size / MB:.1f} MB of drawing instructions; the limit here is "
                f"{self.step_bytes / MB:g} MB a page: split it, or paste its text",
            )
        self.add_inflated(size)

    def add_xml_nodes(self, count: int) -> None:
        """``count`` more XML elements, attributes or namespaces that python-docx would hold."""
        self.xml_nodes += count
        limit = XML_NODES_ALLOWED + XML_NODES_PER_CHARACTER * self.limits.max_text_chars
        if self.xml_nodes > limit:
            raise _fail(
                self.source,
                f"has more than {limit:,} XML elements and attributes; the limit here is {limit:,}: "
                "save only its text as .txt, or paste it",
            )

    def add_chars(self, count: int) -> None:
        """``count`` more characters of the text read."""
        self.chars += count
        if self.chars > self.limits.max_text_chars:
            limit = self.limits.max_text_chars
            raise _fail(
                self.source,
                f"has more than {limit:,} characters of text; the limit here is {limit:,}: split it into "
                "parts (a course can be made section by section)",
            )

    def check_pages(self, count: int | None) -> None:
        """``count`` pages (None: more than pypdf would list within this budget)."""
        limit = self.limits.max_document_pages
        if count is None or count > limit:
            pages = f"more than {limit:,}" if count is None else f"{count:,}"
            raise _fail(
                self.source,
                f"has {pages} pages; the limit here is {limit:,}: split it, or paste the part you need",
            )


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16 with one, as Windows Notepad may save."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data[:8192]:
        raise _fail(source, "is a binary file, not text: give a .txt, .md, .docx or .pdf file")
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        raise _fail(source, "is not UTF-8 text: save it as UTF-8 (any editor can) and try again") from None


def check_text(text: str, source: str = PASTED) -> str:
    """The text itself when it has something to read out, else a one-line InputError naming ``source``."""
    if not has_words(text):
        raise _fail(source, "is empty: write or paste the words the video should say")
    words = count_words(text)
    if words > MAX_WORDS:
        raise _fail(
            source,
            f"is {words:,} words long; the limit is {MAX_WORDS:,}: split it into parts "
            "(a course can be made section by section)",
        )
    if all(block.is_heading for block in blocks(text)):
        raise _fail(source, "has only headings (or code): add the paragraphs the video should say")
    return text


def _read_docx(path: Path, budget: Budget) -> str:
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        return docx_markdown(path, budget)
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        XMLSyntaxError,
        RecursionError,
        KeyError,
        ValueError,
    ) as exc:
        raise _fail(
            path.name, f"is not a readable Word document ({_why(exc)}): save it again as .docx"
        ) from None


def _read_pdf(path: Path, budget: Budget) -> str:
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        pages = pdf_pages(path, budget)
    except (FileNotDecryptedError, DependencyError):
        raise _fail(
            path.name, "is password-protected: save a copy without a password, or paste its text"
        ) from None
    except LimitReachedError as exc:
        raise _fail(
            path.name,
            f"is too large or complex to read ({_why(exc)}); the limit here is {budget.step_bytes / MB:g} MB "
            f"and {budget.step_items:,} items a stream: split it, or paste its text",
        ) from None
    except (PdfReadError, ValueError, KeyError) as exc:
        raise _fail(
            path.name, f"is not a readable PDF ({_why(exc)}): export it again, or paste its text"
        ) from None
    if not any(has_words(page) for page in pages):
        raise _fail(
            path.name,
            "has no text layer (a scan or pictures of text): run it through OCR first, or paste its text",
        )
    return pdf_markdown(pages)


def _read_text(path: Path, budget: Budget) -> str:
    """A text file is its own text (its size is checked before, its words after): only Stop applies."""
    budget.tick()
    return decode(path.read_bytes(), path.name)


_READERS: dict[str, Callable[[Path, Budget], str]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    ".docx": _read_docx,
    ".pdf": _read_pdf,
}


def read_source(path: Path, *, limits: Limits = LOCAL, stopping: Callable[[], bool] = _never) -> str:
    """The text of a .txt, .md, .docx or .pdf file as Markdown, checked: InputError names the file.

    Reading stays within ``limits`` (see ``Budget``); ``stopping()`` turning true ends it with ``Stopped``.
    """
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise _fail(path.name, f"cannot be read: give a {', '.join(SUFFIXES)} file, or paste the text")
    if not path.is_file():
        raise _fail(path.name, "does not exist or is not a file: check the path")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise _fail(
            path.name,
            f"is {size / 1024 / 1024:.1f} MB; the limit is {MAX_BYTES // 1024 // 1024} MB: "
            "split it, or save only its text as .txt",
        )
    try:
        text = reader(path, Budget(path.name, limits, stopping))
    except OSError as exc:
        raise _fail(path.name, f"cannot be read ({exc.strerror or _why(exc)})") from None
    return check_text(text, path.name)
