"""The title card that opens a video and the end card that closes it, drawn like the scenes' cards.

Both share one composition (the card illustrator's soft light blobs, dot grid, vignette and grain, in a
palette seeded by the title), so they frame the video as a pair. The title is set large in the middle,
in whatever script it is written (the shared typography: bidi, shaping, per-character fonts); the end card
repeats it smaller above the credits. Text keeps inside the area the slow zoom never crops, in the ink
its background needs (``legible.py``), and each card comes with its textless layer, so that the
crossfades into and out of it fade its text rather than dissolving it through a scene's.
"""

from __future__ import annotations

import hashlib
import math
import random

from PIL import Image, ImageDraw

from ..backend import Picture
from ..typography import Weight, fit_size, render_text
from .backdrop import PALETTES, compose, dots, finish
from .card import SAFE, write_on

TITLE_LINES = 3
CREDITS_SCALE = 0.42  # the credits' size, a share of the end card's title size
LINE_GAP = 0.45  # space between credit lines, in credit sizes


def _background(title: str, width: int, height: int) -> tuple[Image.Image, tuple[str, ...], int]:
    """The cards' composition for ``title``, its palette and its grain's seed."""
    digest = hashlib.sha256(f"cards\x00{title}".encode()).digest()
    palette = PALETTES[digest[0] % len(PALETTES)]
    rng = random.Random(digest)
    image = compose("aurora", rng, width, height, palette)
    dots(image, rng, palette[4])
    return image, palette, int.from_bytes(digest[2:6], "big")


def _rule(image: Image.Image, y: int, palette: tuple[str, ...]) -> int:
    """A short accent rule centred at ``y``; the y below it."""
    unit = min(image.size)
    width, thick = round(unit * 0.16), max(3, unit // 140)
    left = (image.width - width) // 2
    ImageDraw.Draw(image).rectangle((left, y, left + width, y + thick), fill=palette[2])
    return y + thick


def _stack(lines: list[Image.Image], gap: int) -> Image.Image:
    """Text pictures one under another, centred, in one transparent picture (1x1 for none)."""
    width = max((line.width for line in lines), default=1)
    height = max(1, sum(line.height for line in lines) + gap * (len(lines) - 1))
    block = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    y = 0
    for line in lines:
        block.alpha_composite(line, ((width - line.width) // 2, y))
        y += line.height + gap
    return block


def _set(text: str, size: int, width: int, weight: Weight, max_lines: int) -> Image.Image:
    """``text`` centred within ``width``, at ``size`` or smaller where a word would not fit."""
    size = fit_size(text, size=size, max_width=width, weight=weight)
    return render_text(
        text, size=size, max_width=width, weight=weight, align="center", line_spacing=1.1, max_lines=max_lines
    )


def _end_text(title: str, credits: list[str], size: int, width: int) -> tuple[Image.Image, Image.Image]:
    """The end card's heading (the title at ``size``) and its credits (smaller, left to right)."""
    small = max(10, round(size * CREDITS_SCALE))
    lines = [
        render_text(line, size=small, max_width=width, weight="regular", align="center", direction="ltr")
        for line in credits
    ]
    return _set(title, size, width, "bold", 2), _stack(lines, round(small * LINE_GAP))


def title_card(title: str, width: int, height: int) -> Picture:
    """The opening card: the title, large, over the cards' composition."""
    image, palette, grain = _background(title, width, height)
    textless = finish(image, grain)
    unit = min(width, height)
    room_w, room_h = width - 2 * math.ceil(width * SAFE), height - 2 * math.ceil(height * SAFE)
    size = round(unit * (0.13 if height >= width else 0.11))
    text = _set(title, size, room_w, "bold", TITLE_LINES)
    while size > 12 and text.height > room_h * 0.8:
        size = round(size * 0.9)
        text = _set(title, size, room_w, "bold", TITLE_LINES)
    y = max(math.ceil(height * SAFE), round(height * 0.45) - text.height // 2)
    write_on(image, text, (width - text.width) // 2, y, palette, unit)
    _rule(image, y + text.height + round(unit * 0.05), palette)
    return Picture(finish(image, grain), textless)


def end_card(title: str, credits: list[str], width: int, height: int) -> Picture:
    """The closing card: the title, smaller, above the credits (one line each, wrapped where long)."""
    image, palette, grain = _background(title, width, height)
    textless = finish(image, grain)
    unit = min(width, height)
    room_w, room_h = width - 2 * math.ceil(width * SAFE), height - 2 * math.ceil(height * SAFE)
    gap = round(unit * 0.05)
    size = round(unit * 0.075)
    heading, block = _end_text(title, credits, size, room_w)
    while size > 14 and heading.height + 2 * gap + block.height > room_h:
        size = round(size * 0.9)
        heading, block = _end_text(title, credits, size, room_w)
    y = max(math.ceil(height * SAFE), (height - heading.height - 2 * gap - block.height) // 2)
    write_on(image, heading, (width - heading.width) // 2, y, palette, unit)
    below = _rule(image, y + heading.height + gap // 2, palette)
    write_on(image, block, (width - block.width) // 2, below + gap, palette, unit)
    return Picture(finish(image, grain), textless)
