"""The offline picture maker: a designed card per scene, no model weights.

Each card shows one to three pictograms of what the scene is about (``pictograms.py``), large and drawn
from vectors, with a headline (``headlines.py``: a phrase of the scene unlike the scene before's, or the
heading of the person's text over it) when it has one, over a composition (soft light blobs, a bold
arc or a band, a faint dot grid, film grain) whose palette and layout are seeded by the prompt and the
scene's seed: every scene looks different and the same scene looks the same every time. A scene with
nothing to picture gets the composition and its headline only. The lower quarter stays calm for the
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
from PIL import Image, ImageDraw
from pydantic import Field

from ..backend import KEEP_CLEAR, ImageMaker, ImageRequest, Options, Picture
from ..registry import register
from ..text import clean
from ..typography import Align, fit_size, render_text
from .backdrop import PALETTES, STYLES, compose, dots, finish
from .headlines import Headline, script_headlines
from .legible import Ink, choose_ink, hex_rgb
from .pictograms import Pictogram, known, name_of, pictograms, render_pictogram


class CardOptions(Options):
    style: Literal["auto", "aurora", "arc", "band"] = Field(
        "auto", description="Composition (auto: per scene)"
    )


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


def scene_headline(request: ImageRequest) -> Headline:
    """The scene's headline (``headlines.py``): its heading, else a phrase of its words that differs from the
    scene before's, read in the light of the whole script when the request carries it."""
    prompts, headings, index = request.script, request.headings, request.index
    if not 0 <= index < len(prompts) or prompts[index] != request.prompt:
        prompts, headings, index = (request.prompt,), headings[index : index + 1], 0
    return script_headlines(prompts, headings, request.language or "en", request.title)[index]


def scene_pictograms(request: ImageRequest) -> list[Pictogram]:
    """The pictograms the scene's words call for, among the script's scenes (``request.script``)."""
    language = request.language or "en"
    return pictograms(request.prompt, language, script=request.script, position=request.index)


def chosen_pictograms(request: ImageRequest, chosen: Sequence[str] | None) -> list[str]:
    """The pictograms to draw: a person's choice when given (unknown ones skipped), else the scene's."""
    if chosen is not None:
        return [c for c in chosen if known(c)][:3]
    return [p.char for p in scene_pictograms(request)]


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


def _pad(unit: int) -> int:
    """The margin of a text's scrim, around its picture."""
    return max(4, round(unit * 0.02))


def write_on(
    image: Image.Image, text: Image.Image, x: int, y: int, palette: tuple[str, ...], unit: int
) -> None:
    """Text (rendered in any colour: its alpha is used) at (x, y), in the ink its background needs."""
    pad = _pad(unit)
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


@dataclass(frozen=True)
class PlacedHeadline:
    """The headline as drawn: its text picture at (x, y), and the box it covers with its scrim or shadow
    and, on a card without pictograms, the rule under it."""

    text: Image.Image
    x: int
    y: int
    box: Box
    rule: Box | None


def _set_headline(phrase: str, layout: Layout, w: int, h: int, pictures: bool) -> PlacedHeadline:
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
    rule_y = y + text.height + round(unit * 0.04)
    rule = None
    if not pictures and rule_y < box.bottom:
        rule_w = round(unit * 0.16)
        rule_x = x if layout.align == "left" else (w - rule_w) // 2
        rule = Box(rule_x, rule_y, rule_x + rule_w, rule_y + max(3, unit // 140))
    pad = _pad(unit)
    covered = Box(
        x - pad, y - pad, x + text.width + pad, max(y + text.height + pad, rule.bottom if rule else 0)
    )
    return PlacedHeadline(text, x, y, covered, rule)


def _headline(image: Image.Image, headline: PlacedHeadline, palette: tuple[str, ...]) -> None:
    write_on(image, headline.text, headline.x, headline.y, palette, min(image.size))
    if headline.rule is not None:
        rule = headline.rule
        ImageDraw.Draw(image).rectangle((rule.left, rule.top, rule.right, rule.bottom), fill=palette[2])


def _header(image: Image.Image, request: ImageRequest, layout: Layout, palette: tuple[str, ...]) -> None:
    unit = min(image.size)
    label = f"{request.index + 1:02d} / {request.total:02d}"
    if request.title:
        label = f"{label}   ·   {clean(request.title)}"
    text = render_text(label, size=round(unit * 0.032), max_width=layout.header.width, weight="regular",
                       align="left", max_lines=1, direction="ltr")  # fmt: skip
    write_on(image, text, layout.header.left, layout.header.top, palette, unit)


@dataclass(frozen=True)
class Card:
    """What a card shows and where, all decided by the request: the same request, the same card."""

    digest: bytes
    palette: tuple[str, ...]
    style: str
    pictograms: list[str]
    layout: Layout
    headline: PlacedHeadline | None


def plan_card(request: ImageRequest, *, style: str = "auto", chosen: Sequence[str] | None = None) -> Card:
    """The card for a scene, before it is drawn (see ``draw_card``)."""
    digest = hashlib.sha256(f"{request.prompt}\x00{request.seed}".encode()).digest()
    palette = PALETTES[digest[0] % len(PALETTES)]
    style = style if style != "auto" else STYLES[digest[1] % len(STYLES)]
    chars = chosen_pictograms(request, chosen)
    phrase = scene_headline(request).text
    w, h = request.width, request.height
    layout = _layout(w, h, style, bool(chars), bool(phrase))
    placed = _set_headline(phrase, layout, w, h, bool(chars)) if phrase else None
    return Card(digest, palette, style, chars, layout, placed)


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
    card = plan_card(request, style=style, chosen=chosen)
    rng = random.Random(card.digest)
    image = compose(card.style, rng, request.width, request.height, card.palette)
    if card.style != "arc":
        dots(image, rng, card.palette[4])
    if card.pictograms and card.layout.stage is not None:
        _illustrate(image, card.pictograms, card.layout.stage, rng.random() < 0.5, card.palette[4])
    grain = int.from_bytes(card.digest[2:6], "big")
    textless = finish(image, grain)
    if card.headline is not None:
        _headline(image, card.headline, card.palette)
    _header(image, request, card.layout, card.palette)
    return Picture(finish(image, grain), textless)


@register
class CardImages(ImageMaker):
    name = "card"
    description = (
        "Designed cards: pictograms of what each scene is about, and its key phrase (offline, instant)"
    )
    offline_default = True
    # The headline and the pictograms depend on the other scenes (the one before, what sets this one apart;
    # for a person's text, its heading): the key holds what is drawn itself, so an edit elsewhere in the
    # script remakes only the cards whose headline or pictograms it changes.
    context_fields = ("title", "index", "total", "language", "pictograms")
    # 3: headlines are noun phrases, unlike the scene before's, or the person's heading; 4: its details name
    # the headline's box (KEEP_CLEAR); 5: pictograms of what sets the scene apart in its script; 6: each
    # card comes with its textless layer
    version = "6"
    Options = CardOptions

    def request_key(self, request: ImageRequest) -> dict[str, Any]:
        drawn = chosen_pictograms(request, request.pictograms or None)
        return {**super().request_key(request), "headline": scene_headline(request).text, "drawn": drawn}

    def make(self, request: ImageRequest) -> Image.Image:
        return self.make_picture(request).image

    def make_picture(self, request: ImageRequest) -> Picture:
        return draw_layers(request, style=self.options.style, chosen=request.pictograms or None)

    def details(self, request: ImageRequest) -> dict[str, Any]:
        drawn = chosen_pictograms(request, request.pictograms or None)
        matched = {} if request.pictograms else {p.char: p for p in scene_pictograms(request)}
        headline = scene_headline(request)
        return {
            "pictograms": [
                {"char": c, "name": name_of(c), "words": list(matched[c].words) if c in matched else []}
                for c in drawn
            ],
            "chosen_by": "you" if request.pictograms else "the scene's words",
            "headline": headline.text,
            "headline_from": "your heading" if headline.from_heading else "the scene's words",
            **self._keep_clear(request),
        }

    def _keep_clear(self, request: ImageRequest) -> dict[str, list[float]]:
        """The headline's box, where the captions must not come (none without a headline)."""
        placed = plan_card(request, style=self.options.style, chosen=request.pictograms or None).headline
        if placed is None:
            return {}
        box, w, h = placed.box, request.width, request.height
        return {KEEP_CLEAR: [round(box.left / w, 4), round(box.top / h, 4), round(box.right / w, 4),
                             round(box.bottom / h, 4)]}  # fmt: skip
