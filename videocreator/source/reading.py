"""Reading a person's own text: a file (.txt, .md, .docx, .pdf) or pasted text, checked on the way in.

Whatever the source, the result is Markdown text (plain text is valid Markdown), so everything after
this step has a single format. Every problem is one line that names the file and says what to do.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
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


def _fail(source: str, problem: str) -> InputError:
    return InputError(f"{source} {problem}", stage=Stage.SCRIPT)


def _why(exc: Exception) -> str:
    return clean(str(exc))[:120] or type(exc).__name__


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


def _read_docx(path: Path) -> str:
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx_markdown(path)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _fail(
            path.name, f"is not a readable Word document ({_why(exc)}): save it again as .docx"
        ) from None


def _read_pdf(path: Path) -> str:
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        pages = pdf_pages(path)
    except (FileNotDecryptedError, DependencyError):
        raise _fail(
            path.name, "is password-protected: save a copy without a password, or paste its text"
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


def _read_text(path: Path) -> str:
    return decode(path.read_bytes(), path.name)


_READERS: dict[str, Callable[[Path], str]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    ".docx": _read_docx,
    ".pdf": _read_pdf,
}


def read_source(path: Path) -> str:
    """The text of a .txt, .md, .docx or .pdf file as Markdown, checked: InputError names the file."""
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
        text = reader(path)
    except OSError as exc:
        raise _fail(path.name, f"cannot be read ({exc.strerror or _why(exc)})") from None
    return check_text(text, path.name)
