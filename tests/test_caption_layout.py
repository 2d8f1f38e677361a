"""How captions are cut and laid out: sentences and pages around abbreviations, no word left alone on a
page or a line where it could have company, and a caption clear of the headline a card draws."""

from __future__ import annotations

import itertools
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videocreator.backend import ImageRequest
from videocreator.images import card
from videocreator.project import CaptionStyle
from videocreator.render import caption_art, captions, encoder, frames, renderer
from videocreator.text import before_a_name, sentences
from videocreator.typography import _width, balanced_lines, wrap_lines

# ---- sentences and pages around abbreviations ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "Yesterday Dr. Jan Ingenhousz found it. Then he left.",
         ["Yesterday Dr. Jan Ingenhousz found it.", "Then he left."]),
        ("en", "We met Mr. Smith in St. Louis last year.", ["We met Mr. Smith in St. Louis last year."]),
        ("en", "Plants need light, e.g. sunlight, to grow.", ["Plants need light, e.g. sunlight, to grow."]),
        ("en", "Leaves rest at night, i.e. in the dark. Roots grow.",
         ["Leaves rest at night, i.e. in the dark.", "Roots grow."]),
        ("en", "The U.S. economy grew fast. Then it slowed.",
         ["The U.S. economy grew fast.", "Then it slowed."]),
        ("en", "Bring pens, paper, etc. to class. Then sit down.",
         ["Bring pens, paper, etc. to class.", "Then sit down."]),
        ("en", "J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
        ("es", "La Sra. García vive aquí. Es médica.", ["La Sra. García vive aquí.", "Es médica."]),
        ("es", "Ayer el Sr. López llegó muy tarde.", ["Ayer el Sr. López llegó muy tarde."]),
        ("fr", "Hier M. Dupont est arrivé. Il pleuvait.", ["Hier M. Dupont est arrivé.", "Il pleuvait."]),
        ("fr", "Les plantes aiment la lumière, p. ex. le soleil.",
         ["Les plantes aiment la lumière, p. ex. le soleil."]),
        ("de", "Das ist z. B. ein Haus. Es ist alt.", ["Das ist z. B. ein Haus.", "Es ist alt."]),
        ("de", "Heute kam Frau Dr. Müller zu uns.", ["Heute kam Frau Dr. Müller zu uns."]),
    ],
)  # fmt: skip
def test_sentences_and_captions_hold_an_abbreviation_with_its_word(
    language: str, text: str, expected: list[str]
):
    assert sentences(text) == expected
    for sentence, max_words in itertools.product(expected, range(2, 6)):
        pages = captions.chunk(sentence, max_words, language)
        assert " ".join(pages) == sentence
        # no page ends on a title or an initial ("Dr. | Jan", "z. | B.") and none is one word alone
        assert not [p for p in pages[:-1] if before_a_name(p.split()[-1])], pages
        assert all(len(p.split()) > 1 for p in pages), pages
        for page in pages:  # in lines of about three words: none ends on a title or an initial
            lines = caption_art.caption_lines(page, 60, 560)
            assert " ".join(lines) == page
            assert not [line for line in lines[:-1] if before_a_name(line.split()[-1])], lines


# ---- no word alone ----------------------------------------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzWM", min_size=1, max_size=11)
_SIZE = 40


def _alone(lines: list[str]) -> int:
    return sum(len(line.split()) == 1 for line in lines)


def _fits(words: list[str], max_width: int) -> bool:
    return _width(" ".join(words), _SIZE, "bold") <= max_width


def _least_alone(words: list[str], count: int, max_width: int) -> int:
    """The fewest one-word lines of any way to lay ``words`` out in ``count`` lines within the width."""
    least = len(words)
    for cuts in itertools.combinations(range(1, len(words)), count - 1):
        lines = [words[a:b] for a, b in itertools.pairwise([0, *cuts, len(words)])]
        if all(_fits(line, max_width) for line in lines):
            least = min(least, sum(len(line) == 1 for line in lines))
    return least


@settings(max_examples=150, deadline=None)
@given(words=st.lists(_WORD, min_size=1, max_size=10), max_width=st.integers(120, 700))
def test_a_line_holds_one_word_alone_only_when_no_layout_gives_it_company(words: list[str], max_width: int):
    text = " ".join(words)
    lines = balanced_lines(text, size=_SIZE, max_width=max_width)
    if any(not _fits([word], max_width) for word in words):
        return  # a word wider than the line is broken between its letters, as it always was
    assert " ".join(lines) == text
    greedy = wrap_lines(text, size=_SIZE, max_width=max_width)
    assert len(lines) == len(greedy), "as few lines as they need"
    assert all(_fits(line.split(), max_width) for line in lines)
    split = [line.split() for line in lines]
    for n, line in enumerate(split):
        if len(line) != 1:
            continue
        for m in (n - 1, n + 1):
            if 0 <= m < len(split):
                neighbour = split[m]
                adjacent = neighbour[-1] if m < n else neighbour[0]
                joined = [adjacent, *line] if m < n else [*line, adjacent]
                # the next word over could have joined it, and its own line kept company: a defect
                assert not (len(neighbour) >= 3 and _fits(joined, max_width)), lines
    assert _alone(lines) == _least_alone(words, len(lines), max_width), lines


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.one_of(_WORD, st.sampled_from(["the", "from", "Dr.", "J.", "rises,", "and", "ice,", "of"])),
        min_size=1,
        max_size=24,
    ),
    max_words=st.integers(2, 8),
)
def test_a_page_is_one_word_only_when_its_sentence_is(words: list[str], max_words: int):
    sentence = " ".join(words) + "."
    pages = captions.chunk(sentence, max_words, "en")
    assert " ".join(pages) == sentence
    if len(words) > 1:
        assert all(len(page.split()) > 1 for page in pages), pages
    assert all(len(page.split()) <= max_words + 2 for page in pages), pages


def test_a_caption_is_drawn_in_even_lines_not_with_a_word_left_alone():
    look = caption_art.CaptionLook()
    rgba, _, _ = caption_art.picture(look, "Snow falls and turns into ice,", width=540, height=960)
    inked = rgba[:, :, 3] > 128
    rows = np.flatnonzero(inked.any(axis=1))
    bands = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    widths = [np.ptp(np.flatnonzero(inked[band].any(axis=0))) for band in bands]
    assert len(widths) == 2, "two lines"
    assert min(widths) > 0.6 * max(widths), widths


# ---- clear of a card's headline -----------------------------------------------------------------

W, H = 1080, 1920
HEADLINED = "Photosynthesis turns bright sunlight into sugar inside green leaves"
SENTENCE = "Chloroplasts transform sunlight into chemical energy."


def _inked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rows of the frame where the luma of ``a`` and ``b`` differ."""
    return np.flatnonzero((np.abs(a[:H].astype(int) - b[:H].astype(int)) > 8).any(axis=1))


def test_a_two_line_caption_keeps_clear_of_a_two_line_headline_throughout_the_zoom(tmp_path: Path):
    request = ImageRequest(HEADLINED, W, H, 0, title="Nature", index=0, total=3)
    maker = card.CardImages()
    maker.make(request).save(tmp_path / "card.png")
    with mock.patch.object(card, "_headline"):  # the same card without its headline
        maker.make(request).save(tmp_path / "bare.png")
    keep_clear = renderer.keep_clear_of(maker.details(request))
    assert keep_clear is not None
    # The motion that moves the headline down furthest: zooming in about a point high in the frame.
    seed = next(f"scene-{n}" for n in itertools.count() if frames.Motion.seeded(f"scene-{n}").fy < 0.3)
    assert max(frames.Motion.seeded(seed).zoom0, frames.Motion.seeded(seed).zoom1) > 1.07

    def body(image: str, shown: bool) -> renderer.Segment:
        scene = renderer.SceneInput(
            image=tmp_path / image, image_key=seed, voice=tmp_path / "none.wav", voice_key="v", duration=3.0,
            sentences=((SENTENCE, 0.0, 3.0),), keep_clear=keep_clear,
        )  # fmt: skip
        plan = renderer.Plan([scene], W, H, 30, CaptionStyle(enabled=shown, max_words=4))
        return plan.body(plan.timeline.slots[0], encoder.PREVIEW)

    captioned, plain, bare = body("card.png", True), body("card.png", False), body("bare.png", False)
    margin = round(0.02 * H)
    heights = []
    for i in range(0, captioned.frames, 6):
        frame = plain.frame_at(i)
        caption, headline = _inked(captioned.frame_at(i), frame), _inked(frame, bare.frame_at(i))
        assert np.ptp(headline) > 2 * 0.075 * W, "a headline of two lines"
        if caption.size:
            gap = caption[0] - headline[-1]
            assert gap >= margin, f"frame {i}: the caption starts {gap} rows below the headline"
            assert caption[-1] < H - margin, "inside the frame"
            heights.append(np.ptp(caption))
    assert len(heights) > 10
    assert max(heights) > 2.2 * 0.06 * W, "a caption of two lines"


def test_without_a_headline_the_caption_stays_where_it_always_was():
    look = caption_art.CaptionLook()
    today = caption_art.picture(look, "Plants need light", width=W, height=H)
    elsewhere = caption_art.picture(look, "Plants need light", width=W, height=H, clear=(300, 600))
    assert today[1:] == elsewhere[1:]
    assert np.array_equal(today[0], elsewhere[0])


@pytest.mark.parametrize(
    "details",
    [{}, {"keep_clear": "0 0 1 1"}, {"keep_clear": [0.1, 0.5, 0.9]}, {"keep_clear": [0.1, 0.8, 0.9, 0.2]},
     {"keep_clear": [True, 0.1, 0.9, 0.5]}, {"keep_clear": [0.1, None, 0.9, 0.5]}, {"headline": "x"}],
)  # fmt: skip
def test_a_box_to_keep_clear_that_is_not_one_is_ignored(details: dict):
    assert renderer.keep_clear_of(details) is None


@pytest.mark.parametrize("outline", [True, False])
@pytest.mark.parametrize("text", ["Why the sky is blue", "لماذا السماء زرقاء", "天空为什么是蓝色的"])
def test_a_caption_drawn_once_in_white_takes_each_colour_as_if_drawn_in_it(outline: bool, text: str):
    """A caption's text is drawn once, in white over its black outline, and tinted to its colour and its
    highlight colour: the pixels of drawing it in each colour, within one level."""
    look = caption_art.CaptionLook(outline=outline)
    stroke = 7 if outline else 0
    white, _ = caption_art._draw_text(text, 65, 900, look, "#FFFFFF", stroke)
    for colour in ("#FFD400", "#E94560", "#22D3EE"):
        drawn, _ = caption_art._draw_text(text, 65, 900, look, colour, stroke)
        difference = np.abs(caption_art._tinted(white, colour).astype(int) - drawn.astype(int))
        assert difference.max() <= 1, (colour, difference.max())
        assert (drawn[..., 3] > 0).sum() > 1000, "there is text to compare"
