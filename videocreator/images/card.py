"""The offline picture maker: a designed card per scene, no model weights.

Each card shows one to three pictograms of what the scene is about (``pictograms.py``), large and drawn
from vectors, with a key phrase of the scene when it has one, over a composition (soft light blobs, a bold
arc or a band, a faint dot grid, film grain) whose palette and layout are seeded by the prompt and the
scene's seed: every scene looks different and the same scene looks the same every time. A scene with
nothing to picture gets the composition and its key phrase only. The lower quarter stays calm for the
captions, everything keeps clear of the edges the slow zoom crops, and text takes the colour (or the scrim)
its background needs for WCAG AA contrast (``legible.py``).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from pydantic import Field

from ..backend import ImageMaker, ImageRequest, Options, Picture
from ..registry import register
from ..text import capitalized, clean
from ..typography import Align, fit_size, render_text
from .legible import Ink, choose_ink, hex_rgb
from .pictograms import known, name_of, pictograms, render_pictogram
from .words import fold, key_phrases

# (background top, background bottom, accent, second accent, text)
PALETTES: tuple[tuple[str, str, str, str, str], ...] = (
    ("#0F172A", "#1E3A8A", "#F97316", "#FACC15", "#F8FAFC"),
    ("#1A1A2E", "#16213E", "#E94560", "#0F3460", "#FFF5F5"),
    ("#052E2B", "#064E3B", "#34D399", "#FDE68A", "#ECFDF5"),
    ("#2D1B69", "#5B21B6", "#F472B6", "#22D3EE", "#FDF4FF"),
    ("#3B0D0C", "#7F1D1D", "#FB923C", "#FDE047", "#FFF7ED"),
    ("#0B1320", "#1C3144", "#5BC0EB", "#FDE74C", "#F0F8FF"),
    ("#1F2937", "#374151", "#10B981", "#60A5FA", "#F9FAFB"),
    ("#2B2118", "#6F1A07", "#F2C57C", "#DDAE7E", "#FFF8EE"),
    ("#0D1B2A", "#415A77", "#E0E1DD", "#FF6B6B", "#FFFFFF"),
    ("#10002B", "#3C096C", "#FF9E00", "#C77DFF", "#F8F0FF"),
    ("#022B3A", "#1F7A8C", "#BFDBF7", "#FF7F51", "#F1FAEE"),
    ("#2F3E46", "#354F52", "#CAD2C5", "#F4A261", "#FAFAF5"),
)
STYLES = ("aurora", "arc", "band")


class CardOptions(Options):
    style: Literal["auto", "aurora", "arc", "band"] = Field(
        "auto", description="Composition (auto: per scene)"
    )


def _gradient(width: int, height: int, top: str, bottom: str, angle: float) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (ys / height) * np.cos(angle) + (xs / width) * np.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    a, b = np.array(hex_rgb(top), np.float32), np.array(hex_rgb(bottom), np.float32)
    return a * (1 - t[..., None]) + b * t[..., None]


def _cover_below(ys: np.ndarray, xs: np.ndarray, y_left: float, y_right: float, width: int) -> np.ndarray:
    """Antialiased coverage (0-1) of the half-plane below the line from (0, y_left) to (width, y_right)."""
    slope = (y_right - y_left) / width
    distance = (ys - (y_left + slope * xs)) / np.hypot(1.0, slope)
    return np.clip(distance + 0.5, 0.0, 1.0)


def _cover_disc(ys: np.ndarray, xs: np.ndarray, cx: float, cy: float, r: float) -> np.ndarray:
    """Antialiased coverage (0-1) of a disc: each pixel's share inside the circle, from its distance."""
    return np.clip(r - np.hypot(xs - cx, ys - cy) + 0.5, 0.0, 1.0)


def _paint(pixels: np.ndarray, coverage: np.ndarray, color: str, opacity: float) -> None:
    alpha = (coverage * opacity)[..., None].astype(np.float32)
    pixels *= 1.0 - alpha
    pixels += alpha * np.array(hex_rgb(color), np.float32)


def _over(pixels: np.ndarray, color: str, opacity: float) -> np.ndarray:
    return pixels * (1.0 - opacity) + np.array(hex_rgb(color), np.float32) * opacity


def _aurora(base: Image.Image, rng: random.Random, palette: tuple[str, ...]) -> Image.Image:
    """Soft light blobs, drawn small (they are all blur) and scaled up."""
    small_w, small_h = base.size
    glow = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(glow)
    unit = min(small_w, small_h)
    for color in (palette[2], palette[3], palette[2], palette[3]):
        r = rng.uniform(0.25, 0.55) * unit
        cx, cy = rng.uniform(0, small_w), rng.uniform(0, small_h * 0.7)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*hex_rgb(color), rng.randint(90, 150)))
    return Image.alpha_composite(base.convert("RGBA"), glow.filter(ImageFilter.GaussianBlur(unit * 0.18)))


def _span(low: float, high: float, size: int) -> tuple[int, int]:
    """The pixel indices a shape from ``low`` to ``high`` touches, within 0..size."""
    return max(0, math.floor(low) - 1), min(size, math.ceil(high) + 2)


def _centres(start: int, stop: int) -> np.ndarray:
    return np.arange(start, stop, dtype=np.float32) + 0.5


def _shapes(pixels: np.ndarray, style: str, rng: random.Random, palette: tuple[str, ...]) -> None:
    """A bold arc or a band with a stripe, drawn at full size with exact antialiased edges (computed only
    over the rows and columns the shape touches)."""
    h, w = pixels.shape[:2]
    if style == "arc":
        r = min(w, h) * rng.uniform(0.55, 0.8)
        cx = rng.choice((w * 0.85, w * 0.15))
        cy = h * rng.uniform(0.2, 0.45)
        (y0, y1), (x0, x1) = _span(cy - r, cy + r, h), _span(cx - r, cx + r, w)
        region = pixels[y0:y1, x0:x1]
        ys, xs = _centres(y0, y1)[:, None], _centres(x0, x1)[None, :]
        _paint(region, _cover_disc(ys, xs, cx, cy, r), palette[2], 235 / 255)
        _paint(region, _cover_disc(ys, xs, cx, cy, r * 0.55), palette[3], 200 / 255)
        return
    slope = rng.uniform(-0.35, 0.35) * h
    middle = h * rng.uniform(0.3, 0.5)
    thick = h * 0.16
    y0, y1 = _span(middle - abs(slope), middle + abs(slope) + thick * 1.12, h)
    region = pixels[y0:y1]
    ys, xs = _centres(y0, y1)[:, None], _centres(0, w)[None, :]
    top = _cover_below(ys, xs, middle - slope, middle + slope, w)
    bottom = _cover_below(ys, xs, middle - slope + thick, middle + slope + thick, w)
    edge = _cover_below(ys, xs, middle - slope + thick * 1.12, middle + slope + thick * 1.12, w)
    # The stripe lies on the band's edge: both are composited from their exact colours, so that where an
    # edge pixel is shared nothing of the background leaks in between (no conflation seam).
    band = _over(region, palette[2], 220 / 255)
    stripe = _over(band, palette[3], 230 / 255)
    region += (top - edge)[..., None] * (band - region) + (bottom - edge)[..., None] * (stripe - band)


def _compose(style: str, rng: random.Random, w: int, h: int, palette: tuple[str, ...]) -> Image.Image:
    """The background composition: a gradient and soft blobs (drawn at a quarter size and scaled up), or
    an arc or a band (drawn at full size, antialiased)."""
    small_w, small_h = max(8, w // 4), max(8, h // 4)
    gradient = _gradient(small_w, small_h, palette[0], palette[1], rng.uniform(-0.6, 0.6))
    base = Image.fromarray(gradient.astype(np.uint8))
    if style == "aurora":
        return _aurora(base, rng, palette).convert("RGB").resize((w, h), Image.Resampling.BICUBIC)
    pixels = np.asarray(base.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
    _shapes(pixels, style, rng, palette)
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))


def _dots(image: Image.Image, rng: random.Random, color: str) -> None:
    w, h = image.size
    step = max(24, min(w, h) // 18)
    draw = ImageDraw.Draw(image, "RGBA")
    radius = max(1, step // 14)
    r, g, b = hex_rgb(color)
    for y in range(step // 2, int(h * 0.72), step):
        for x in range(step // 2, w, step):
            if rng.random() < 0.55:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(r, g, b, 38))


def _finish(image: Image.Image, seed: int) -> Image.Image:
    """A vignette and fine grain: what keeps flat digital colour from looking like a placeholder."""
    pixels = np.asarray(image, dtype=np.float32)
    h, w = pixels.shape[:2]
    ys = np.arange(h, dtype=np.float32)[:, None] / h
    xs = np.arange(w, dtype=np.float32)[None, :] / w
    distance = np.sqrt((xs - 0.5) ** 2 + (ys - 0.45) ** 2)
    pixels *= (1.0 - 0.35 * np.clip(distance - 0.25, 0, 1) ** 1.2)[..., None]
    noise = np.random.default_rng(seed).standard_normal((h, w, 1), dtype=np.float32) * 5.0
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


SAFE = 0.09  # share of each side the slow zoom (up to 1.12x about a point) may crop: 8.1%, and a little more
CAPTIONS = 0.75  # the lower quarter of the frame belongs to the captions


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Layout:
    """Where the header line, the pictograms and the headline go (all inside the zoom's safe area and
    above the captions' quarter)."""

    header: Box
    stage: Box | None
    headline: Box
    headline_size: int
    align: Align


def _layout(w: int, h: int, style: str, pictures: bool, phrase: bool) -> Layout:
    unit = min(w, h)
    mx, my = math.ceil(w * SAFE), math.ceil(h * SAFE)
    gap = round(unit * 0.05)
    header = Box(mx, my, w - mx, my + round(unit * 0.05))
    bottom = round(h * CAPTIONS) - round(unit * 0.02)
    top = header.bottom + gap
    if not pictures:
        size = round(unit * (0.13 if h >= w else 0.11))
        return Layout(
            header, None, Box(mx, top, w - mx, bottom), size, "left" if style == "arc" else "center"
        )
    if w > h * 1.2:
        if not phrase:
            return Layout(header, Box(mx, top, w - mx, bottom), Box(mx, bottom, w - mx, bottom), 1, "left")
        middle = w // 2
        return Layout(header, Box(middle, top, w - mx, bottom), Box(mx, top, middle - gap, bottom),
                      round(unit * 0.085), "left")  # fmt: skip
    text_height = round(unit * 0.2) if phrase else 0
    stage = Box(mx, top, w - mx, bottom - text_height)
    return Layout(
        header, stage, Box(mx, stage.bottom + gap // 2, w - mx, bottom), round(unit * 0.075), "center"
    )


def headline(text: str, language: str = "en", title: str = "") -> str:
    """A key phrase of the scene (two to four words as they stand in it), or "" when it has none: never a
    list of unrelated words. Phrases made only of the video title's words are skipped."""
    title_words = {fold(w) for w in clean(title).split()}
    for phrase in key_phrases(text, language):
        if len(phrase) <= 40 and not {fold(w) for w in phrase.split()} <= title_words:
            return capitalized(phrase)
    return ""


def chosen_pictograms(text: str, language: str, chosen: Sequence[str] | None) -> list[str]:
    """The pictograms to draw: a person's choice when given (unknown ones skipped), else the scene's."""
    if chosen is not None:
        return [c for c in chosen if known(c)][:3]
    return [p.char for p in pictograms(text, language)]


def _placements(count: int, stage: Box, flip: bool) -> list[tuple[int, int, int]]:
    """(x, y, size) of each pictogram, back to front: one large, or a main one with smaller companions.
    They keep an inset from the stage's edges for their outline and shadow."""
    inset = round(min(stage.width, stage.height) * 0.05)
    stage = Box(stage.left + inset, stage.top + inset, stage.right - inset, stage.bottom - inset)
    side = min(stage.width, stage.height)
    cx = stage.left + stage.width // 2
    if count == 1:
        size = round(side * 0.92)
        return [(cx - size // 2, stage.top + (stage.height - size) // 2, size)]
    if count == 2:
        main, small = round(side * 0.8), round(side * 0.5)
        span = main + small - round(side * 0.12)
        x0 = cx - span // 2
        main_x, small_x = (x0 + span - main, x0) if flip else (x0, x0 + span - small)
        return [(small_x, stage.bottom - small, small), (main_x, stage.top, main)]
    main, small = round(side * 0.68), round(side * 0.44)
    return [
        (stage.left, stage.bottom - small, small),
        (stage.right - small, stage.bottom - small, small),
        (cx - main // 2, stage.top, main),
    ]


def _shadow(mask: np.ndarray, radius: float, opacity: float) -> Image.Image:
    """A soft shadow of ``mask``, padded so that the blur fades out fully inside the layer (no hard edge):
    the layer is ``pad`` = 3 radii larger on every side than the mask."""
    pad = math.ceil(radius * 3) + 1
    alpha = np.pad(mask, pad).astype(np.float32) * opacity
    blurred = cv2.GaussianBlur(alpha, (0, 0), radius) if radius > 0 else alpha
    layer = np.zeros((*blurred.shape, 4), np.uint8)  # black
    layer[..., 3] = np.clip(blurred + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(layer)


def _sticker(picture: Image.Image, outline: str) -> tuple[Image.Image, Image.Image]:
    """The pictogram on a light outline of its silhouette, and that silhouette's soft shadow."""
    size = picture.width
    border = max(2, round(size * 0.03))
    alpha = np.pad(np.asarray(picture.getchannel("A")), border)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * border + 1, 2 * border + 1))
    silhouette = cv2.dilate(alpha, kernel)
    sticker = Image.new("RGBA", (size + 2 * border, size + 2 * border), (*hex_rgb(outline), 0))
    sticker.putalpha(Image.fromarray(silhouette))
    sticker.alpha_composite(picture, (border, border))
    return sticker, _shadow(silhouette, size * 0.025, 0.45)


def _illustrate(image: Image.Image, chars: list[str], stage: Box, flip: bool, outline: str) -> None:
    for char, (x, y, size) in zip(chars[::-1], _placements(len(chars), stage, flip), strict=True):
        sticker, shadow = _sticker(render_pictogram(char, size), outline)
        border, pad = (sticker.width - size) // 2, (shadow.width - sticker.width) // 2
        drop = round(size * 0.03)
        image.paste(shadow, (x - border - pad, y - border - pad + drop), shadow)
        image.paste(sticker, (x - border, y - border), sticker)


def _scrim(size: tuple[int, int], radius: int, ink: Ink) -> Image.Image:
    """A rounded panel behind text, antialiased (drawn at 4x and reduced)."""
    big = Image.new("L", (size[0] * 4, size[1] * 4), 0)
    ImageDraw.Draw(big).rounded_rectangle((0, 0, big.width - 1, big.height - 1), radius * 4, fill=255)
    mask = np.asarray(big.resize(size, Image.Resampling.BOX), np.float32) * ink.scrim
    panel = Image.new("RGBA", size, (*ink.scrim_color, 0))
    panel.putalpha(Image.fromarray(np.clip(mask + 0.5, 0, 255).astype(np.uint8)))
    return panel


def _write(
    image: Image.Image, text: Image.Image, x: int, y: int, palette: tuple[str, ...], unit: int
) -> None:
    """Text (rendered in any colour: its alpha is used) at (x, y), in the ink its background needs."""
    pad = max(4, round(unit * 0.02))
    box = (
        max(0, x - pad),
        max(0, y - pad),
        min(image.width, x + text.width + pad),
        min(image.height, y + text.height + pad),
    )
    ink = choose_ink(np.asarray(image.crop(box)), palette[4], palette[0])
    mask = text.getchannel("A")
    if ink.scrim:
        panel = _scrim((box[2] - box[0], box[3] - box[1]), pad, ink)
        image.paste(panel, box[:2], panel)
    elif ink.light:
        radius = unit * 0.012
        shadow = _shadow(np.asarray(mask), radius, 110 / 255)
        offset = math.ceil(radius * 3) + 1
        image.paste(shadow, (x - offset + unit // 120, y - offset + unit // 80), shadow)
    painted = Image.new("RGBA", text.size, (*ink.color, 255))
    painted.putalpha(mask)
    image.paste(painted, (x, y), painted)


def _headline(
    image: Image.Image, phrase: str, layout: Layout, palette: tuple[str, ...], pictures: bool
) -> None:
    w, h = image.size
    box, unit = layout.headline, min(w, h)
    size = fit_size(phrase, size=layout.headline_size, max_width=box.width)
    text = render_text(phrase, size=size, max_width=box.width, weight="bold", align=layout.align,
                       line_spacing=1.05, max_lines=2 if pictures else 3)  # fmt: skip
    x = box.left if layout.align == "left" else box.left + (box.width - text.width) // 2
    if pictures and w <= h * 1.2:
        y = box.top
    elif pictures:
        y = box.top + (box.height - text.height) // 2
    else:
        y = max(
            box.top, min(round(h * (0.36 if h > w else 0.34)) - text.height // 2, box.bottom - text.height)
        )
    _write(image, text, x, y, palette, unit)
    rule_y = y + text.height + round(unit * 0.04)
    if not pictures and rule_y < box.bottom:
        rule_w = round(unit * 0.16)
        rule_x = x if layout.align == "left" else (w - rule_w) // 2
        ImageDraw.Draw(image).rectangle(
            (rule_x, rule_y, rule_x + rule_w, rule_y + max(3, unit // 140)), fill=palette[2]
        )


def _header(image: Image.Image, request: ImageRequest, layout: Layout, palette: tuple[str, ...]) -> None:
    unit = min(image.size)
    label = f"{request.index + 1:02d} / {request.total:02d}"
    if request.title:
        label = f"{label}   ·   {clean(request.title)}"
    text = render_text(label, size=round(unit * 0.032), max_width=layout.header.width, weight="regular",
                       align="left", max_lines=1, direction="ltr")  # fmt: skip
    _write(image, text, layout.header.left, layout.header.top, palette, unit)


def draw_card(
    request: ImageRequest, *, style: str = "auto", chosen: Sequence[str] | None = None
) -> Image.Image:
    """The card for a scene. ``chosen``: the pictograms to draw (emoji characters, at most three; empty for
    none), instead of those the scene's words call for."""
    return draw_layers(request, style=style, chosen=chosen).image


def draw_layers(
    request: ImageRequest, *, style: str = "auto", chosen: Sequence[str] | None = None
) -> Picture:
    """The card for a scene (see ``draw_card``), and the same card without its text (headline, header)."""
    digest = hashlib.sha256(f"{request.prompt}\x00{request.seed}".encode()).digest()
    rng = random.Random(digest)
    palette = PALETTES[digest[0] % len(PALETTES)]
    style = style if style != "auto" else STYLES[digest[1] % len(STYLES)]
    language = request.language or "en"
    chars = chosen_pictograms(request.prompt, language, chosen)
    phrase = headline(request.prompt, language, request.title)
    w, h = request.width, request.height
    image = _compose(style, rng, w, h, palette)
    if style != "arc":
        _dots(image, rng, palette[4])
    layout = _layout(w, h, style, bool(chars), bool(phrase))
    if chars and layout.stage is not None:
        _illustrate(image, chars, layout.stage, rng.random() < 0.5, palette[4])
    grain = int.from_bytes(digest[2:6], "big")
    textless = _finish(image, grain)
    if phrase:
        _headline(image, phrase, layout, palette, bool(chars))
    _header(image, request, layout, palette)
    return Picture(_finish(image, grain), textless)


@register
class CardImages(ImageMaker):
    name = "card"
    description = (
        "Designed cards: pictograms of what each scene is about, and its key phrase (offline, instant)"
    )
    offline_default = True
    context_fields = ("title", "index", "total", "language", "pictograms")
    version = "3"  # 3: each card comes with its textless layer
    Options = CardOptions

    def make(self, request: ImageRequest) -> Image.Image:
        return self.make_picture(request).image

    def make_picture(self, request: ImageRequest) -> Picture:
        return draw_layers(request, style=self.options.style, chosen=request.pictograms or None)

    def details(self, request: ImageRequest) -> dict[str, Any]:
        drawn = chosen_pictograms(request.prompt, request.language, request.pictograms or None)
        matched = (
            {} if request.pictograms else {p.char: p for p in pictograms(request.prompt, request.language)}
        )
        return {
            "pictograms": [
                {"char": c, "name": name_of(c), "words": list(matched[c].words) if c in matched else []}
                for c in drawn
            ],
            "chosen_by": "you" if request.pictograms else "the scene's words",
            "headline": headline(request.prompt, request.language, request.title),
        }
