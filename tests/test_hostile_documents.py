"""Hostile documents given as "my own text": each is refused within its budget, in one line naming the file.

The files are built here, small on disk: Word files that inflate to hundreds of megabytes (or lie about
what they inflate to), broken XML, PDFs whose pages share one stream. Each read runs in a forked child
so that its time and the growth of its peak memory are its own.
"""

from __future__ import annotations

import itertools
import multiprocessing
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.conftest import pdf_file, peak_memory_mb, reset_peak_memory
from videocreator.limits import LOCAL, MB, Limits
from videocreator.source import read_source

PUBLIC = Limits.public_server()

# ---- tiny hostile files ---------------------------------------------------------------------------

WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.comments+xml"/></Types>'
)


def _relationships(target: str, kind: str) -> str:
    return (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIP}/{kind}" Target="{target}"/></Relationships>'
    )


PACKAGE = {"[Content_Types].xml": TYPES, "_rels/.rels": _relationships("word/document.xml", "officeDocument")}
DOCUMENT_START = f'<w:document xmlns:w="{WORD}"><w:body>'
DOCUMENT_END = "</w:body></w:document>"


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def write_docx(
    path: Path,
    document: Iterable[str],
    parts: dict[str, Iterable[str]] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A minimal .docx written by hand, its parts streamed in (so a bomb never sits in memory here)."""
    members = {**PACKAGE, **(parts or {}), "word/document.xml": document}
    with zipfile.ZipFile(path, "w", compression, compresslevel=1) as package:
        for name, content in members.items():
            with package.open(name, "w") as part:
                for piece in [content] if isinstance(content, str) else content:
                    part.write(piece.encode())
    return path


def document_of(paragraphs: Iterable[str]) -> Iterable[str]:
    return itertools.chain([DOCUMENT_START], paragraphs, [DOCUMENT_END])


def repeated(piece: str, size: int) -> Iterable[str]:
    """``piece`` again and again, ``size`` bytes in all, a megabyte at a time."""
    block = piece * (MB // len(piece))
    return itertools.repeat(block, size // len(block))


def understate(path: Path, member: str, declared: int) -> Path:
    """Make the zip's central directory claim ``member`` inflates to only ``declared`` bytes."""
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory's entries: name at 46, size at 24
    while data[entry + 46 : entry + 46 + len(member)] != member.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = struct.pack("<I", declared)
    path.write_bytes(bytes(data))
    return path


def pdf(content: bytes, pages: int, compressed: bool = True) -> bytes:
    """A PDF whose ``pages`` pages all draw the same content stream."""
    stream = zlib.compress(content, 9) if compressed else content
    flate = b"/Filter /FlateDecode" if compressed else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"4 0 R" for _ in range(pages)), pages),
        b"<< /Length %d %s >>\nstream\n" % (len(stream), flate) + stream + b"\nendstream",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)


def text_lines(line: str, count: int) -> bytes:
    return b"BT /F1 12 Tf 14 TL 72 720 Td " + b"(%s) Tj T* " % line.encode() * count + b"ET"


# ---- reading in a child, measured -----------------------------------------------------------------


@dataclass
class Reading:
    error: str  # the exception's type, "" when the text was read
    said: str  # its message, or the text read
    seconds: float
    peak_mb: float  # how much the peak resident memory grew while reading


def _never() -> bool:
    return False


def _read_and_report(path: Path, limits: Limits, stopping: Callable[[], bool], report) -> None:
    reset_peak_memory()
    before = peak_memory_mb()
    started = time.monotonic()
    try:
        error, said = "", read_source(path, limits=limits, stopping=stopping)
    except Exception as exc:
        error, said = type(exc).__name__, str(exc)
    grown = peak_memory_mb() - before
    report.send(Reading(error, said, time.monotonic() - started, grown))


def read(path: Path, limits: Limits = LOCAL, stopping: Callable[[], bool] = _never) -> Reading:
    """``read_source`` in a forked child: what it said, how long it took, what memory it took."""
    fork = multiprocessing.get_context("fork")
    answer, report = fork.Pipe(duplex=False)
    child = fork.Process(target=_read_and_report, args=(path, limits, stopping, report))
    child.start()
    try:
        assert answer.poll(120), f"reading {path.name} took more than 120 s"
        return answer.recv()
    finally:
        child.kill()
        child.join()


def assert_refused(reading: Reading, name: str, *says: str) -> None:
    assert reading.error == "InputError", reading
    assert reading.said.startswith(f"script: {name} ") and "\n" not in reading.said, reading.said
    for words in says:
        assert words in reading.said, reading.said


# ---- Word -----------------------------------------------------------------------------------------


def test_a_paragraph_bomb_is_refused_before_it_inflates(tmp_path: Path):
    bomb = write_docx(tmp_path / "lesson.docx", document_of(repeated(paragraph("Bees make honey."), 64 * MB)))
    assert bomb.stat().st_size < MB
    reading = read(bomb, PUBLIC)
    assert_refused(reading, "lesson.docx", "inflates past 50 MB", "the limit here is 50 MB")
    assert reading.seconds < 2 and reading.peak_mb < 30


def test_a_huge_comment_part_is_refused_before_it_inflates(tmp_path: Path):
    comments = itertools.chain(
        [f'<w:comments xmlns:w="{WORD}"><w:comment w:id="0"><w:p><w:r><w:t>'],
        repeated("A", 208 * MB),
        ["</w:t></w:r></w:p></w:comment></w:comments>"],
    )
    parts = {
        "word/_rels/document.xml.rels": _relationships("comments.xml", "comments"),
        "word/comments.xml": comments,
    }
    bomb = write_docx(tmp_path / "notes.docx", document_of([paragraph("Owls hunt at night.")]), parts)
    reading = read(bomb)
    assert_refused(reading, "notes.docx", "inflates past 200 MB", "the limit here is 200 MB")
    assert reading.seconds < 2 and reading.peak_mb < 30


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_part_lying_about_its_size_is_never_inflated_past_it(tmp_path: Path, compression: int):
    """zipfile reading a part whole inflates all of its data before cutting it to the declared size
    (bzip2 even when read in chunks): the declared sizes are a bound only for chunked, deflated reads."""
    path = write_docx(tmp_path / "liar.docx", document_of(repeated(" ", 64 * MB)), compression=compression)
    reading = read(understate(path, "word/document.xml", 2048))
    assert_refused(reading, "liar.docx", "not a readable Word document", "save it again as .docx")
    assert reading.seconds < 2 and reading.peak_mb < 30


def test_malformed_xml_is_refused_in_one_line(tmp_path: Path):
    broken = write_docx(tmp_path / "broken.docx", [DOCUMENT_START, "<w:p><w:r><w:t>Unclosed"])
    assert_refused(read(broken), "broken.docx", "not a readable Word document", "save it again as .docx")


def test_xml_that_would_make_a_huge_tree_is_refused_before_it_is_parsed(tmp_path: Path):
    """3.4 million empty paragraphs fit in 20 MB, well inside the 50 MB a public server lets a file
    inflate to, yet python-docx would hold them as 1 GB of tree: the XML is counted before it parses."""
    empty = write_docx(tmp_path / "empty.docx", document_of(repeated("<w:p/>", 20 * MB)))
    reading = read(empty, PUBLIC)
    assert_refused(reading, "empty.docx", "more than 600,000 XML elements", "the limit here is 600,000")
    assert reading.seconds < 2 and reading.peak_mb < 40


def test_reading_a_word_file_stops_when_its_time_is_up(tmp_path: Path):
    many = write_docx(tmp_path / "many.docx", document_of(repeated("<w:p/>", 4 * MB)))
    reading = read(many, replace(LOCAL, max_document_s=0.2))
    assert_refused(reading, "many.docx", "takes more than 0.2 s to read", "the limit here is 0.2 s")
    assert reading.seconds < 3


# ---- PDF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limits", "limit"), [(LOCAL, "2,000"), (PUBLIC, "300")])
def test_twenty_thousand_pages_sharing_one_stream_are_refused_by_their_count(
    tmp_path: Path, limits: Limits, limit: str
):
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf(text_lines("Bees make honey from nectar.", 100), pages=20_000))
    reading = read(path, limits)
    assert_refused(reading, "pages.pdf", f"has more than {limit} pages", f"the limit here is {limit}")
    assert reading.seconds < 2 and reading.peak_mb < 30


def test_a_pdf_with_more_text_than_the_budget_stops_at_it(tmp_path: Path):
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf(text_lines("Bees make honey from nectar.", 100), pages=200))  # 580,000 characters
    reading = read(path)
    assert_refused(reading, "long.pdf", "more than 200,000 characters", "the limit here is 200,000")
    assert reading.seconds < 3 and reading.peak_mb < 30


def test_a_stream_shared_by_pages_counts_once_per_page(tmp_path: Path):
    path = tmp_path / "shared.pdf"
    path.write_bytes(pdf(b"% a comment, drawing nothing\n" * 4_000, pages=20))  # 116 kB, 20 times
    reading = read(path, replace(PUBLIC, max_document_bytes=MB))
    assert_refused(reading, "shared.pdf", "inflates past 1 MB", "the limit here is 1 MB")
    assert reading.seconds < 3


COMMENTS = b"% a comment, drawing nothing\n" * 300_000  # 8.3 MB


@pytest.mark.parametrize(
    ("content", "compressed", "says"),
    [
        (COMMENTS, True, "is too large or complex to read (Limit reached while decompressing"),
        (COMMENTS, False, "has a page of 8.3 MB of drawing instructions"),
        (b"1 " * 300_000, True, "is too large or complex to read (Reached maximum number of tokens"),
    ],
)
def test_a_page_too_slow_to_parse_is_refused_before_or_early_in_its_parse(
    tmp_path: Path, content: bytes, compressed: bool, says: str
):
    """pypdf parses a page's content whole before reading it, which cannot be stopped: a page may hold
    what a tenth of the time budget parses (5 MB or 200,000 items on a public server)."""
    path = tmp_path / "slow.pdf"
    path.write_bytes(pdf(content, pages=1, compressed=compressed))
    reading = read(path, PUBLIC)
    assert_refused(reading, "slow.pdf", says, "the limit here is 5 MB")
    assert reading.seconds < 4 and reading.peak_mb < 60


# ---- every budget, on every way in ----------------------------------------------------------------


def _course_docx(path: Path) -> Path:
    return write_docx(
        path, document_of(paragraph(f"Bees visit flower {n} for nectar.") for n in range(2_000))
    )


def _book_pdf(path: Path) -> Path:
    path.write_bytes(pdf(text_lines("Bees make honey from nectar.", 1), pages=400))
    return path


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("course.docx", _course_docx, "has more than 50,000 characters of text; the limit here is 50,000"),
        ("book.pdf", _book_pdf, "has 400 pages; the limit here is 300"),
    ],
)
def test_a_public_server_is_stricter(tmp_path: Path, name: str, make, says: str):
    path = make(tmp_path / name)
    assert read(path).error == ""
    assert_refused(read(path, PUBLIC), name, says)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("course.docx", _course_docx),
        ("one page.pdf", lambda p: p.write_bytes(pdf(text_lines("Bees make honey.", 5_000), pages=1))),
    ],
)
def test_stop_ends_a_read_part_way(tmp_path: Path, name: str, make):
    path = tmp_path / name
    make(path)
    asked = itertools.count()
    reading = read(path, stopping=lambda: next(asked) >= 100)
    assert reading.error == "Stopped" and reading.said.startswith("script: stopped"), reading
    assert reading.seconds < 3


def test_ordinary_documents_still_read(tmp_path: Path):
    docx = write_docx(tmp_path / "owls.docx", document_of([paragraph("Owls hunt at night.")]))
    assert read(docx, PUBLIC).said == "Owls hunt at night."
    page = tmp_path / "owls.pdf"
    page.write_bytes(pdf(text_lines("Owls hunt at night.", 1), pages=1))
    assert read(page, PUBLIC).said == "Owls hunt at night."
