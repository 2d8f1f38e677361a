"""Caption pictures: a phrase, the phrase with its spoken word highlighted, or one large word.

The text is laid out once per phrase (wrapped, bidi-ordered runs of the shipped fonts, as in
``typography``) and drawn in the text colour and, for highlights, again in the highlight colour, at the same
places; the box of each word on the picture is known from the layout. A highlighted picture is the plain one
with its word's boxes taken from the highlight drawing (or with a coloured box under the word), so it costs a
copy, not a new drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFilter

from ..project import CaptionStyle
from ..speech.word_timing import word_spans
from ..text import before_a_name, clean
from ..typography import (
    Run,
    Weight,
    _font,
    _width,
    balanced_lines,
    base_direction,
    fit_size,
    runs,
    visual_order,
    wrap_lines,
)

Box = tuple[int, int, int, int]  # left, top, right, bottom
MAX_LINES = 3
WORD_SCALE = 1.6  # one word at a time is drawn this much larger than a phrase
# Keeping clear of a headline: the gap (a share of the frame's height, beyond the caption's own margin),
# the frame's margin that a moved caption stays inside, and the smaller sizes tried when it does not fit.
CLEAR_GAP = 0.015
EDGE = 0.04
SHRINK = (1.0, 0.85, 0.7)


@dataclass(frozen=True)
class CaptionLook:
    size_fraction: float = 0.06  # font size as a fraction of the frame's short side
    position: str = "bottom"
    color: str = "#FFFFFF"
    highlight_color: str = "#FFD400"
    highlight_box: bool = False  # the spoken word on a box of the highlight colour, not in that colour
    weight: Weight = "bold"
    outline: bool = True
    shadow: bool = True
    box: bool = False  # a dark translucent box behind the caption

    @classmethod
    def of(cls, style: CaptionStyle) -> CaptionLook:
        """The look a ``CaptionStyle`` asks for."""
        return cls(
            size_fraction=style.size, position=style.position, color=style.color,
            highlight_color=style.highlight_color, highlight_box=style.highlight_box, weight=style.weight,
            outline=style.outline, shadow=style.shadow, box=style.box,
        )  # fmt: skip


@dataclass(frozen=True)
class Drawn:
    """A phrase drawn: its layers (RGBA arrays of one size) and each word's boxes on them."""

    background: np.ndarray  # shadow and caption box
    text: np.ndarray
    highlight: np.ndarray  # the text in the highlight colour (with a highlight box: the text itself)
    words: tuple[tuple[Box, ...], ...]
    size: int


def picture(
    look: CaptionLook,
    text: str,
    *,
    width: int,
    height: int,
    highlight: int | None = None,
    single: bool = False,
    clear: tuple[int, int] | None = None,
) -> tuple[np.ndarray, int, int]:
    """The caption as an RGBA array and where it goes on the frame (even x, y): ``highlight`` is the index
    of the word to highlight (None: none), ``single`` draws one large word. ``clear``: rows of the frame
    (top, bottom) it keeps a gap from (a headline in the picture): it moves below them (a caption at the
    top: above them) or to the other side, in smaller type if it must."""
    size = round(min(width, height) * look.size_fraction * (WORD_SCALE if single else 1))
    anchor = {"top": 0.16, "middle": 0.5, "bottom": 0.78 if height > width else 0.84}[look.position]
    for scale in SHRINK if clear is not None else SHRINK[:1]:
        drawn = _drawn(look, text, max(12, round(size * scale)), int(width * 0.84))
        rgba = drawn.text if highlight is None else _highlighted(look, drawn, highlight)
        rgba = _over(drawn.background, rgba)[
            : even(min(len(rgba), height)), : even(min(rgba.shape[1], width))
        ]
        tall = rgba.shape[0]
        y = min(max(0, round(height * anchor - tall / 2)), height - tall)
        placed = _off(clear, y, tall, height, look.position, round(height * EDGE))
        if placed is not None:
            return rgba, even((width - rgba.shape[1]) // 2), even(placed)
    # Too tall to keep clear inside the margin even in the smallest type: as clear as the frame allows.
    placed = _off(clear, y, tall, height, look.position, 0)
    return rgba, even((width - rgba.shape[1]) // 2), even(y if placed is None else placed)


def _off(
    clear: tuple[int, int] | None, y: int, tall: int, height: int, position: str, edge: int
) -> int | None:
    """Where a caption ``tall`` rows high at row ``y`` goes to keep a gap from the rows ``clear``: ``y``
    when it does (or there are none), else just below them or just above (for a caption at the top: above
    first), ``edge`` rows inside the frame; None when neither fits."""
    if clear is None:
        return y
    gap = round(height * CLEAR_GAP)
    top, bottom = clear[0] - gap, clear[1] + gap
    if y + tall <= top or y >= bottom:
        return y
    below = bottom + 1 if bottom + 1 + tall <= height - edge else None
    above = top - tall if top - tall >= edge else None
    first, second = (above, below) if position == "top" else (below, above)
    return first if first is not None else second


def _highlighted(look: CaptionLook, drawn: Drawn, index: int) -> np.ndarray:
    if not 0 <= index < len(drawn.words):
        return drawn.text
    if look.highlight_box:
        return _over(_word_box(look, drawn, index), drawn.text)
    out = drawn.text.copy()
    for left, top, right, bottom in drawn.words[index]:
        out[top:bottom, left:right] = drawn.highlight[top:bottom, left:right]
    return out


def _word_box(look: CaptionLook, drawn: Drawn, index: int) -> np.ndarray:
    layer = Image.new("RGBA", (drawn.text.shape[1], drawn.text.shape[0]), (0, 0, 0, 0))
    pad = round(drawn.size * 0.14)
    draw = ImageDraw.Draw(layer)
    for left, top, right, bottom in drawn.words[index]:
        draw.rounded_rectangle(
            (left - pad, top - pad // 2, right + pad, bottom + pad // 2),
            radius=pad * 2,
            fill=look.highlight_color,
        )
    return np.asarray(layer)


def _over(below: np.ndarray, above: np.ndarray) -> np.ndarray:
    return np.asarray(Image.alpha_composite(Image.fromarray(below), Image.fromarray(above)))


@lru_cache(maxsize=16)
def _drawn(look: CaptionLook, text: str, size: int, max_width: int) -> Drawn:
    text = clean(text)
    size = fit_size(text, size=size, max_width=max_width, weight=look.weight)
    while size > 12 and len(wrap_lines(text, size=size, max_width=max_width, weight=look.weight)) > MAX_LINES:
        size = round(size * 0.9)
    stroke = max(2, size // 9) if look.outline else 0
    white, boxes = _draw_text(text, size, max_width, look, "#FFFFFF", stroke)
    plain = _tinted(white, look.color)
    high = plain if look.highlight_box else _tinted(white, look.highlight_color)
    return Drawn(_background(look, plain, size, stroke), plain, high, boxes, size)


def _tinted(white: np.ndarray, colour: str) -> np.ndarray:
    """Text drawn in white over its black outline, in ``colour``: each pixel is the fill's share of it
    (its whiteness) of ``colour``, as drawing the text in ``colour`` makes it (to one level), at a tenth
    of the cost of drawing it again."""
    rgb = np.array(ImageColor.getrgb(colour)[:3], dtype=np.uint16)
    out = white.copy()
    out[..., :3] = (white[..., :1].astype(np.uint16) * rgb + 127) // 255
    return out


def _background(look: CaptionLook, text: np.ndarray, size: int, stroke: int) -> np.ndarray:
    height, width = text.shape[:2]
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if look.box:
        inset = round(size * 0.15)
        ImageDraw.Draw(layer).rounded_rectangle(
            (inset, inset, width - inset, height - inset), radius=round(size * 0.3), fill=(0, 0, 0, 150)
        )
    if look.shadow:
        alpha = Image.fromarray(text[:, :, 3])
        offset = max(2, stroke, size // 16)
        shadow = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        shadow.paste((0, 0, 0, 150), (0, offset), alpha)
        layer = Image.alpha_composite(layer, shadow.filter(ImageFilter.GaussianBlur(max(2, size // 12))))
    return np.asarray(layer)


def caption_lines(text: str, size: int, max_width: int, weight: Weight = "bold") -> list[str]:
    """The lines a caption is drawn in: balanced, none left ending on a title before its name."""
    return balanced_lines(text, size=size, max_width=max_width, weight=weight, leans=before_a_name)


def _draw_text(
    text: str, size: int, max_width: int, look: CaptionLook, colour: str, stroke: int
) -> tuple[np.ndarray, tuple[tuple[Box, ...], ...]]:
    """The text centred on a transparent canvas with a margin for outline, shadow and boxes, and the boxes
    of each of its words (``word_spans``) on it."""
    weight = look.weight
    lines = caption_lines(text, size, max_width, weight)
    widths = [_width(line, size, weight) for line in lines]
    margin = stroke + round(size * 0.4)
    step = round(size * 1.2)
    width = even(round(max(widths, default=1)) + 2 * margin)
    height = even(step * (len(lines) - 1) + round(size * 1.35) + 2 * margin)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    owner = _word_of_each_character(text)
    boxes: list[list[Box]] = [[] for _ in word_spans(text)]
    base = base_direction(text)
    cursor = 0
    for n, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        first = text.find(line, cursor)
        cursor = first + len(line) if first >= 0 else cursor
        x = (width - line_width) / 2
        baseline = margin + round(size * 1.05) + n * step
        top, bottom = baseline - round(size * 1.0), baseline + round(size * 0.3)
        line_runs = runs(line, weight, base)
        starts = _run_starts(line, line_runs)
        for run in visual_order(line_runs):
            font = _font(run.font, size)
            direction = "rtl" if run.rtl else "ltr"
            draw.text(
                (x, baseline), run.text, font=font, fill=colour, anchor="ls", direction=direction,
                stroke_width=stroke, stroke_fill=(0, 0, 0),
            )  # fmt: skip
            run_width = font.getlength(run.text, direction=direction)
            if first >= 0 and starts[id(run)] >= 0:
                at = first + starts[id(run)]
                for word, a, b in _segments(owner[at : at + len(run.text)]):
                    left, right = _extent(font, run.text, a, b, direction, run_width)
                    # The outline reaches past the glyphs, into a space (not into a word beside it).
                    before, after = (
                        _reach(owner, at + a - 1, word, stroke),
                        _reach(owner, at + b, word, stroke),
                    )
                    if run.rtl:
                        before, after = after, before
                    boxes[word].append((round(x + left) - before, top, round(x + right) + after, bottom))
            x += run_width
    pixels = np.asarray(image)
    return pixels, tuple(tuple(_to_ink(pixels, box) for box in word) for word in boxes)


def _to_ink(pixels: np.ndarray, box: Box) -> Box:
    """The box narrowed to the columns its word's strokes cover (advance widths include side bearings)."""
    left, top, right, bottom = box
    inked = np.flatnonzero(pixels[top:bottom, max(0, left) : right, 3].any(axis=0))
    if not inked.size:
        return box
    return max(0, left) + int(inked[0]), top, max(0, left) + int(inked[-1]) + 1, bottom


def _word_of_each_character(text: str) -> list[int]:
    owner = [-1] * len(text)
    for word, (a, b) in enumerate(word_spans(text)):
        owner[a:b] = [word] * (b - a)
    return owner


def _reach(owner: list[int], neighbour: int, word: int, stroke: int) -> int:
    """How far a word's box may reach past its advance towards the character at ``neighbour``."""
    inside = 0 <= neighbour < len(owner)
    return stroke + 1 if not inside or owner[neighbour] in (-1, word) else 0


def _run_starts(line: str, line_runs: list[Run]) -> dict[int, int]:
    """Where each run's text starts in the line (-1 when characters no font has were dropped from it)."""
    starts: dict[int, int] = {}
    cursor = 0
    for run in line_runs:
        at = line.find(run.text, cursor)
        starts[id(run)] = at
        cursor = at + len(run.text) if at >= 0 else cursor
    return starts


def _segments(owners: list[int]) -> list[tuple[int, int, int]]:
    """(word, start, end) for each stretch of characters of one word."""
    out: list[tuple[int, int, int]] = []
    for i, word in enumerate(owners):
        if word < 0:
            continue
        if out and out[-1][0] == word and out[-1][2] == i:
            out[-1] = (word, out[-1][1], i + 1)
        else:
            out.append((word, i, i + 1))
    return out


def _extent(font: Any, text: str, a: int, b: int, direction: str, run_width: float) -> tuple[float, float]:
    """Left and right of ``text[a:b]`` within its run, drawn from the left (right to left: from the right)."""
    before, through = (
        font.getlength(text[:a], direction=direction),
        font.getlength(text[:b], direction=direction),
    )
    return (run_width - through, run_width - before) if direction == "rtl" else (before, through)


def even(n: int) -> int:
    """Chroma planes are half size: overlays sit on even pixels."""
    return n - n % 2
