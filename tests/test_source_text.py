"""A person's own text: reading files, stripping Markdown, sentences, condensing, prompts, pace, sections."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import docx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from tests.conftest import pdf_file
from videocreator.backend import Narrator, Options, Speech
from videocreator.errors import InputError
from videocreator.source import (
    MAX_BYTES,
    blocks,
    check_text,
    count_letters,
    count_words,
    estimate_seconds,
    read_source,
    sections,
    slug,
    split_sentences,
    title_from_text,
    words_per_second,
)
from videocreator.source.condense import select
from videocreator.source.keywords import PromptMaker
from videocreator.source.office import escape
from videocreator.speech.pace import measure_pace
from videocreator.voices.piper import PiperNarrator

DATA = Path(__file__).parent / "data" / "source"
COURSE = DATA / "course.md"


# ---- tiny real files --------------------------------------------------------------------------


def pdf_bytes(page_content: bytes, resources: bytes) -> bytes:
    """A one-page PDF written by hand (objects, cross-reference table, trailer), as PDF 1.4 defines it."""
    stream = zlib.compress(page_content)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        + resources
        + b" /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream",
    ]
    return pdf_file(objects)


def text_pdf(lines: list[str]) -> bytes:
    shown = b" ".join(b"(" + line.encode("latin-1") + b") Tj T*" for line in lines)
    return pdf_bytes(b"BT /F1 12 Tf 14 TL 72 720 Td " + shown + b" ET", b"<< /Font << /F1 5 0 R >> >>")


def scanned_pdf() -> bytes:
    """A page that is only a picture, like a scan without OCR."""
    return pdf_bytes(b"q 500 0 0 700 50 50 cm /Im1 Do Q", b"<< /XObject << /Im1 6 0 R >> >>")


def write_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_heading("Volcanoes", level=1)
    document.add_paragraph("Magma rises through cracks in the crust. It cools into new rock.")
    document.add_heading("Eruptions", level=2)
    document.add_paragraph("Gas bubbles push the magma out *fast*, like a shaken bottle of soda.")
    document.add_paragraph("Ash clouds", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Volcano", "Height"), ("Etna", "3357 m")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.save(str(path))
    return path


# ---- sentences --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Dr. Smith measured 3.5 kg in the U.S., e.g. in Ohio. Then he left. Mr. Jones stayed.",
            ["Dr. Smith measured 3.5 kg in the U.S., e.g. in Ohio.", "Then he left.", "Mr. Jones stayed."],
        ),
        (
            "es",
            "El Sr. García y la Dra. López midieron 3,5 kg en Madrid. Después se fueron. ¿Qué pasó? Nada.",
            [
                "El Sr. García y la Dra. López midieron 3,5 kg en Madrid.",
                "Después se fueron.",
                "¿Qué pasó?",
                "Nada.",
            ],
        ),
        (
            "de",
            "Dr. Müller maß 3,5 kg, z. B. in Berlin. Sie sagte: „Hallo.“ Am 3. Mai kam er zurück.",
            ["Dr. Müller maß 3,5 kg, z. B. in Berlin.", "Sie sagte: „Hallo.“", "Am 3. Mai kam er zurück."],
        ),
        # Swedish has no pysbd rules of its own: the fallback still keeps "t.ex." inside the sentence.
        (
            "sv",
            "Dr. Svensson kom t.ex. i går. Han stannade.",
            ["Dr. Svensson kom t.ex. i går.", "Han stannade."],
        ),
        ("pt-BR", "O Sr. Silva chegou. Ele mediu 3,5 kg.", ["O Sr. Silva chegou.", "Ele mediu 3,5 kg."]),
    ],
)
def test_sentences_are_not_broken_at_abbreviations_or_decimals(language: str, text: str, expected: list[str]):
    assert split_sentences(text, language) == expected


# ---- Markdown -----------------------------------------------------------------------------------


def test_markdown_headings_are_titles_and_markup_is_stripped():
    found = blocks(COURSE.read_text())
    headings = [b.text for b in found if b.is_heading]
    spoken = " ".join(b.text for b in found if not b.is_heading)
    assert headings == ["How plants eat light", "Water and air", "What plants give back"]
    for markup in ("*", "[", "](", "http", "leaf.png", "leaf photo", "print(", "```", "|", "---", "tags:"):
        assert markup not in spoken
    assert "The process is called photosynthesis, and it happens" in spoken  # bold and line break gone
    assert "called chloroplasts." in spoken  # link text kept
    assert "Without water, the whole process slows down" in spoken  # block quote read
    assert "Sugar feeds the growing roots. Starch stores" in spoken  # list items become sentences
    assert "Product: Sugar, Use: Energy." in spoken  # a table row read with its header


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 .#*_-+=>[]()!<>&;`~|\\:/\"'")), min_size=1, max_size=24))
def test_word_and_pdf_text_is_escaped_so_markdown_reads_it_back_unchanged(text: str):
    line = " ".join(text.split())
    assume(any(ch.isalnum() for ch in line))
    assert [b.text for b in blocks(escape(line))] == [line]


def test_title_is_the_first_heading_else_the_first_line_shortened():
    assert title_from_text(COURSE.read_text()) == "How plants eat light"
    long_line = "Notes on the **water cycle** and " + "why rain falls " * 10 + "\n\nMore text."
    title = title_from_text(long_line)
    assert title.startswith("Notes on the water cycle and why rain")
    assert len(title) <= 80 and title.endswith("…")


# ---- reading files ----------------------------------------------------------------------------


def test_reads_txt_md_docx_and_pdf(tmp_path: Path):
    assert "photosynthesis" in read_source(COURSE)
    plain = tmp_path / "notes.txt"
    plain.write_bytes("\ufeffCafé au lait is milk coffee.\r\n".encode())
    assert read_source(plain).strip() == "Café au lait is milk coffee."
    notepad = tmp_path / "notepad.txt"
    notepad.write_bytes("Grüße aus Köln.".encode("utf-16"))
    assert read_source(notepad) == "Grüße aus Köln."

    found = blocks(read_source(write_docx(tmp_path / "volcano.docx")))
    assert [b.text for b in found if b.is_heading] == ["Volcanoes", "Eruptions"]
    assert "Gas bubbles push the magma out *fast*, like a shaken bottle of soda." in [b.text for b in found]
    assert "Ash clouds." in [b.text for b in found] and "Volcano: Etna, Height: 3357 m." in [
        b.text for b in found
    ]

    pdf = tmp_path / "leaf.pdf"
    pdf.write_bytes(text_pdf(["Photosynthesis turns light into sug-", "ar. Plants do it in leaves."]))
    assert read_source(pdf) == "Photosynthesis turns light into sugar. Plants do it in leaves."


def _locked(path: Path) -> None:
    path.write_bytes(text_pdf(["A secret."]))
    writer = PdfWriter(clone_from=path)
    writer.encrypt("secret", algorithm="RC4-128")
    writer.write(path)


def _huge(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    return path


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("empty.txt", lambda p: p.write_text("  \n\n "), "is empty"),
        ("headings.md", lambda p: p.write_text("# One\n\n## Two\n\n```\ncode only\n```\n"), "only headings"),
        ("picture.md", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "binary"),
        ("latin1.txt", lambda p: p.write_bytes("Crème brûlée.".encode("latin-1")), "not UTF-8"),
        ("scan.pdf", lambda p: p.write_bytes(scanned_pdf()), "no text layer"),
        ("locked.pdf", _locked, "password-protected"),
        ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4 nothing else"), "not a readable PDF"),
        ("broken.docx", lambda p: p.write_bytes(b"not a zip"), "not a readable Word document"),
        ("slides.pptx", lambda p: p.write_bytes(b"PK"), "give a .txt, .md, .markdown, .docx, .pdf file"),
        ("huge.txt", _huge, "the limit is 10 MB"),
        ("missing.md", lambda p: None, "does not exist"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(tmp_path: Path, name: str, make, says: str):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as caught:
        read_source(path)
    message = str(caught.value)
    assert message.startswith(f"script: {name} ") and says in message and "\n" not in message


def test_pasted_text_is_checked_the_same_way():
    assert check_text("Just one line.") == "Just one line."
    for text, says in [("", "is empty"), ("# Only\n## headings", "has only headings")]:
        with pytest.raises(InputError, match=f"the pasted text {says}"):
            check_text(text)
    with pytest.raises(InputError, match="50,000"):
        check_text("word " * 50_001, "stdin")


# ---- condensing -------------------------------------------------------------------------------


def test_condense_keeps_original_sentences_in_order_close_to_the_budget():
    text = " ".join(b.text for b in blocks(COURSE.read_text()) if not b.is_heading)
    sentences = split_sentences(text, "en")
    words = [count_words(s) for s in sentences]
    chosen = select(sentences, words, 80, "en")
    assert chosen.kept == sorted(chosen.kept) and len(chosen.kept) < len(sentences)
    assert abs(chosen.chosen_words - 80) <= 8 and chosen.chosen_words == sum(words[i] for i in chosen.kept)
    assert max(chosen.scores) == 1.0 and len(chosen.scores) == len(sentences)


# ---- image prompts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "narration"),
    [
        ("en", "Chlorophyll in the green leaves absorbs red and blue light. The energy splits water."),
        ("es", "La clorofila de las hojas verdes absorbe la luz roja y azul. La energía divide el agua."),
        ("de", "Das Chlorophyll in den grünen Blättern nimmt rotes und blaues Licht auf."),
    ],
)
def test_image_prompts_are_key_phrases_of_the_narration(language: str, narration: str):
    prompt = PromptMaker(language).prompt(narration, "fallback")
    phrases = prompt.split(", ")
    assert 2 <= len(phrases) <= 4
    assert all(phrase.lower() in narration.lower() for phrase in phrases)
    assert PromptMaker(language).prompt("Ja.", "fallback") == "fallback"


# ---- pace -------------------------------------------------------------------------------------


def test_words_and_seconds():
    assert count_words("Dr. Smith's 3.5 kg in the U.S., e.g. in Ohio — well-known.") == 11
    assert count_words("今天天气很好。") == 6
    assert estimate_seconds("one two three four five", 2.5) == 2.0
    assert count_letters("Dr. Smith's 3.5 kg") == 12
    assert words_per_second("one two three", 15.0) == pytest.approx(15.0 * 3 / 11)


@pytest.mark.slow
def test_letters_give_a_steadier_pace_than_words_across_vocabularies():
    """The same voice on short everyday words and on long technical ones: letters per second differ
    far less than words per second, so a length estimate from letters holds for either kind of text."""
    narrator = PiperNarrator()
    plain = "We go to the sea in May. The sun is hot and the sand is warm. We swim and we play all day."
    technical = (
        "Photosynthetic organisms transform electromagnetic radiation into chemical energy. "
        "Chlorophyll molecules absorb predominantly blue and red wavelengths."
    )
    rates = [(count_words(t), count_letters(t), narrator.narrate(t).duration) for t in (plain, technical)]
    words = [w / d for w, _, d in rates]
    letters = [c / d for _, c, d in rates]
    assert max(letters) / min(letters) < 1.3 and max(words) / min(words) > 1.8


@pytest.mark.slow
def test_measure_pace_narrates_once_with_piper_and_remembers(tmp_path: Path):
    narrator = PiperNarrator()
    cache = tmp_path / "pace.json"
    pace = measure_pace(narrator, 1.0, "en", cache_file=cache)
    assert 8 < pace < 25, "letters per second"
    faster = measure_pace(narrator, 1.5, "en", cache_file=cache)
    assert faster > pace * 1.2
    stored = json.loads(cache.read_text())
    assert sorted(stored.values()) == sorted([pace, faster])
    # The remembered value is what comes back, without narrating again.
    cache.write_text(json.dumps(dict.fromkeys(stored, 9.99)))
    assert measure_pace(narrator, 1.0, "en", cache_file=cache) == 9.99


def test_a_cloned_voice_keeps_its_measured_pace_wherever_its_project_is(tmp_path: Path):
    """The recording to clone counts by its name in the project (a hash of its content), not its path."""
    narrated: list[str] = []

    class Clone(Narrator):
        name = "clone-test"

        class Options(Options):
            speaker_wav: str = ""

        def narrate(self, text: str, *, speed: float = 1.0, language: str = "en") -> Speech:
            narrated.append(text)
            return Speech(np.zeros(16_000, np.float32), 16_000, [(text, 0.0, 1.0)])

    cache = tmp_path / "pace.json"
    for place in ("a", "b"):
        voice = Clone(Clone.Options(speaker_wav=f"/{place}/project/media/voice-reference-1a2b.wav"))
        measure_pace(voice, 1.0, "en", cache_file=cache)
    assert len(narrated) == 1


# ---- a course in sections ---------------------------------------------------------------------


def test_a_course_is_cut_at_top_level_headings():
    parts = sections(COURSE.read_text())
    assert [p.title for p in parts] == ["How plants eat light", "What plants give back"]
    assert parts[0].text.startswith("# How plants *eat* light") and "## Water and air" in parts[0].text
    assert "What plants give back" not in parts[0].text
    lessons = sections("# Course\n\nWelcome.\n\n## Lesson 1\n\nA.\n\n## Lesson 2\n\nB.\n\n## Quiz\n")
    assert [p.title for p in lessons] == ["Course", "Lesson 1", "Lesson 2"]
    assert sections("Intro line.\n\n# One\n\nText.")[0].title == "Intro line."


def test_slugs_are_safe_and_unique():
    taken: set[str] = set()
    names = [slug(t, taken) for t in ["Part one!", "Part one?", "Введение в тему", "CON", "../..", "a/b\\c"]]
    assert names == ["part-one", "part-one-2", "введение-в-тему", "con-section", "section", "a-b-c"]
    assert len(slug("x" * 200)) <= 60
