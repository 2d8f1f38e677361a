"""Typography, the offline card maker and uploaded pictures, checked on real pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from videocreator import registry
from videocreator.backend import ImageRequest
from videocreator.errors import InputError
from videocreator.images.card import scene_headline
from videocreator.images.upload import fit_image
from videocreator.stage import Stage
from videocreator.typography import font_files, render_text, runs, wrap_lines

SAMPLES = {
    "latin": "Volcanoes form where hot magma rises",
    "arabic": "تتشكل البراكين عندما ترتفع الصهارة",
    "hebrew": "הרי געש נוצרים כשמאגמה עולה",
    "cjk": "火山は地下のマグマが地表に噴き出すことでできる山です",
    "devanagari": "ज्वालामुखी तब बनते हैं जब मैग्मा ऊपर उठता है",
    "thai": "ภูเขาไฟเกิดขึ้นเมื่อแมกมาลอยขึ้น",
    "mixed": "Mixed English, عربي and 日本語 🌋 e\u0301 \u0007!",
}


@pytest.mark.parametrize("script", SAMPLES)
def test_every_script_renders_within_the_width(script: str):
    image = render_text(SAMPLES[script], size=48, max_width=400, stroke_width=4)
    assert image.mode == "RGBA" and image.width <= 400 + 2 * 6
    assert np.asarray(image)[:, :, 3].astype(bool).mean() > 0.05, "ink on the image"


def test_fallback_fonts_are_used_per_character():
    fonts = {run.font.name for run in runs(SAMPLES["mixed"], "bold")}
    assert {"NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf", "DroidSansFallbackFull.ttf"} <= fonts
    assert "🌋" not in "".join(r.text for r in runs("a🌋b", "bold")), "no tofu: emoji dropped"
    assert all(path.is_file() for path in font_files("regular"))


def test_wrapping_breaks_unspaced_and_overlong_text():
    lines = wrap_lines(SAMPLES["cjk"], size=40, max_width=300)
    assert len(lines) > 1 and "".join(lines) == SAMPLES["cjk"]
    assert len(wrap_lines("x" * 200, size=40, max_width=300)) > 3


def test_no_wrapped_line_starts_with_an_ideographic_full_stop_or_comma():
    text = "東京の人口は約1400万人。NASAの発表によると、火星には水がある。"
    lines = wrap_lines(text, size=40, max_width=300)
    assert len(lines) > 2 and "".join(lines) == text
    assert not [line for line in lines if line[0] in "。、"], lines


@pytest.mark.parametrize("text", ["", " \t", "\u0000\u0007", "🌋🔥", "q" * 10_000, "\u202e\u200f" * 50])
def test_odd_strings_never_raise(text: str):
    image = render_text(text, size=32, max_width=500, max_lines=3)
    assert image.width <= 500 + 8


CARD_SIZES = [(1080, 1920), (1920, 1080), (1080, 1080), (720, 1280), (360, 640)]


@pytest.mark.parametrize("size", CARD_SIZES)
def test_cards_are_exactly_frame_sized(size: tuple[int, int]):
    card = registry.create(Stage.IMAGES, "card").make(
        ImageRequest("a volcano erupting at night", *size, seed=1)
    )
    assert card.size == size and card.mode == "RGB"


def test_cards_are_deterministic_distinct_and_carry_their_words():
    maker = registry.create(Stage.IMAGES, "card")
    request = ImageRequest(
        "A cross-section of a volcano with rising magma", 540, 960, seed=2, index=0, total=3
    )
    first, again = np.asarray(maker.make(request), int), np.asarray(maker.make(request), int)
    other = np.asarray(maker.make(ImageRequest("Layers of ash build a mountain", 540, 960, seed=3)), int)
    assert np.array_equal(first, again)
    assert np.abs(first - other).mean() > 10
    title_band = first[int(960 * 0.25) : int(960 * 0.5)]
    assert title_band.std() > 25, "the pictogram is drawn large in the upper middle"
    assert scene_headline(request).text.lower() in request.prompt.lower(), (
        "a phrase of the scene, not a word list"
    )


def _encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [("PNG", "RGBA"), ("JPEG", "RGB"), ("WEBP", "RGB"), ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "I;16"),
     ("JPEG", "CMYK"), ("PNG", "LA")],
)  # fmt: skip
def test_uploads_of_common_formats_fill_the_frame(fmt: str, mode: str):
    source = Image.new("RGB", (900, 300), (200, 60, 30)).convert(mode)
    fitted = fit_image(_encoded(source, fmt), 360, 640)
    assert fitted.size == (360, 640) and fitted.mode == "RGB"


def test_contain_keeps_the_whole_picture_on_a_blurred_backdrop():
    source = Image.new("RGB", (800, 200), (250, 250, 250))
    fitted = np.asarray(fit_image(_encoded(source, "PNG"), 360, 640, mode="contain"), int)
    assert fitted[320, 180].min() > 240


def test_exif_rotation_is_applied():
    source = Image.new("RGB", (400, 100), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    rotated = fit_image(_encoded(source, "JPEG", exif=exif), 100, 400, mode="contain")
    assert np.asarray(rotated, int)[200, 50, 2] > 200, "the tall picture fills the tall frame"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"just some text, renamed to .png", "not an image"),
        (_encoded(Image.new("RGB", (64, 64)), "PNG")[:60], "damaged|not an image"),
        (_encoded(Image.new("RGB", (64, 64)), "JPEG")[:200], "damaged|truncated|not an image"),
    ],
)
def test_broken_uploads_are_refused_clearly(data: bytes, message: str):
    with pytest.raises(InputError, match=rf"{message}"):
        fit_image(data, 100, 100)


def test_decompression_bomb_is_refused():
    bomb = _encoded(Image.new("1", (12_000, 12_000)), "PNG")
    assert len(bomb) < 1_000_000
    with pytest.raises(InputError, match=r"12000 x 12000 \(144 Mpx\); the limit is 80 Mpx"):
        fit_image(bomb, 100, 100)
