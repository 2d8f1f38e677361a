"""Text as pictures: the one primitive that captions and picture cards both use.

Every script renders with the fonts shipped in ``assets/fonts`` (per-character fallback across them, so a
line may mix Latin, Arabic and CJK). Mixed-direction lines are laid out with the Unicode bidi algorithm
(python-bidi resolves each character's level; runs of one font and one level are shaped by Pillow's raqm
layout and placed in visual order), lines wrap within a width (also scripts written without spaces), and
characters no font has (emoji, control codes) are dropped rather than drawn as boxes. It never raises on
any string.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from bidi import algorithm as bidi
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from .assets import assets_dir
from .text import clean, unspaced

Weight = Literal["bold", "regular"]
Align = Literal["left", "center", "right"]
Direction = Literal["auto", "ltr", "rtl"]
Color = str | tuple[int, int, int] | tuple[int, int, int, int]

_STACK = ("NotoSans", "NotoSansArabic", "NotoSansHebrew", "NotoSansDevanagari", "NotoSansThai")
_CJK_FONT = "DroidSansFallbackFull.ttf"
_RTL = {"R", "AL", "AN"}
_GLUE = {"Mn", "Mc", "Me", "Cf"}  # marks and format characters belong to the character before them
# Explicit embeddings/isolates and boundary neutrals: not drawn, and removed before levels are resolved (X9);
# so are code points this Python's Unicode tables do not know ("": no class), which no shipped font draws.
_UNRESOLVED = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI", "BN", ""}


@lru_cache(maxsize=2)
def font_files(weight: Weight) -> tuple[Path, ...]:
    folder = assets_dir() / "fonts"
    suffix = "Bold" if weight == "bold" else "Regular"
    return (*(folder / f"{name}-{suffix}.ttf" for name in _STACK), folder / _CJK_FONT)


@lru_cache(maxsize=16)
def _coverage(path: Path) -> frozenset[int]:
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=128)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _font_for(ch: str, weight: Weight) -> Path | None:
    code = ord(ch)
    for path in font_files(weight):
        if code in _coverage(path):
            return path
    return None


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font at one bidi level (odd: right to left)."""

    text: str
    font: Path
    level: int = 0

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


def base_direction(text: str) -> Literal["ltr", "rtl"]:
    """Rules P2-P3: the direction of the first strong character (left to right when there is none)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("L", "R", "AL"):
            return "ltr" if kind == "L" else "rtl"
    return "ltr"


def bidi_levels(text: str, direction: Direction = "auto") -> list[int]:
    """Each character's embedding level by the Unicode bidi algorithm (rules P2-I2).

    ``direction`` sets the paragraph's base direction; ``auto`` takes it from the first strong character.
    Characters the algorithm removes (controls, joiners, unknown code points) take the level of the character
    before them.
    """
    base = int((base_direction(text) if direction == "auto" else direction) == "rtl")
    if base == 0 and not any(unicodedata.bidirectional(ch) in _RTL for ch in text):
        return [0] * len(text)
    kept = [i for i, ch in enumerate(text) if unicodedata.bidirectional(ch) not in _UNRESOLVED]
    logical = "".join(text[i] for i in kept)
    storage = bidi.get_empty_storage()
    storage["base_level"], storage["base_dir"] = base, "LR"[base]
    bidi.get_embedding_levels(logical, storage)
    bidi.explicit_embed_and_overrides(storage)
    bidi.resolve_weak_types(storage)
    bidi.resolve_neutral_types(storage, False)
    bidi.resolve_implicit_levels(storage, False)
    levels = [base] * len(text)
    for i, resolved in zip(kept, storage["chars"], strict=True):
        levels[i] = resolved["level"]
    for i in sorted(set(range(len(text))) - set(kept)):
        levels[i] = levels[i - 1] if i else base
    return levels


def runs(text: str, weight: Weight, direction: Direction = "auto") -> list[Run]:
    """Split text into runs of one font and one bidi level (in logical order), dropping characters no
    shipped font can draw."""
    out: list[tuple[list[str], Path, int]] = []
    for ch, level in zip(text, bidi_levels(text, direction), strict=True):
        if out and (unicodedata.category(ch) in _GLUE or ch == " ") and out[-1][2] == level:
            if ch == " " or ord(ch) in _coverage(out[-1][1]):
                out[-1][0].append(ch)
            continue
        path = _font_for(ch, weight)
        if path is None:
            continue
        if out and out[-1][1] == path and out[-1][2] == level:
            out[-1][0].append(ch)
        else:
            out.append(([ch], path, level))
    return [Run("".join(chars), path, level) for chars, path, level in out]


def visual_order(line_runs: list[Run]) -> list[Run]:
    """Runs in the order they are drawn left to right (rule L2: from the highest level down to the lowest
    odd level of the line, every stretch of runs at that level or higher is reversed)."""
    ordered = list(line_runs)
    levels = [r.level for r in ordered]
    if not levels:
        return ordered
    for level in range(max(levels), (min(levels) | 1) - 1, -1):
        n = 0
        while n < len(ordered):
            end = n
            while end < len(ordered) and ordered[end].level >= level:
                end += 1
            ordered[n:end] = ordered[n:end][::-1]
            n = end + 1
    return ordered


@lru_cache(maxsize=4096)
def _width(line: str, size: int, weight: Weight) -> float:
    return sum(
        _font(r.font, size).getlength(r.text, direction="rtl" if r.rtl else None) for r in runs(line, weight)
    )


def _breaks_anywhere(ch: str) -> bool:
    """A line may break around it: a character of an unspaced script, or an ideographic mark (。、々〇), so
    that such a mark is not glued to the Latin letters after it."""
    return unspaced(ch) or "IDEOGRAPH" in unicodedata.name(ch, "")


def _tokens(text: str) -> list[str]:
    """Words, with each character of an unspaced script (CJK, Thai) its own token; spaces kept."""
    tokens: list[str] = []
    for word in text.split(" "):
        if tokens:
            tokens.append(" ")
        current = ""
        for ch in word:
            if _breaks_anywhere(ch):
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(ch)
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


def wrap_lines(text: str, *, size: int, max_width: int, weight: Weight = "bold") -> list[str]:
    """Greedy line breaking within ``max_width`` pixels; a too-long word is broken between characters."""
    lines: list[str] = []
    line = ""
    for token in _tokens(clean(text)):
        candidate = line + token
        if _width(candidate.strip(), size, weight) <= max_width or not line.strip():
            line = candidate
            if _width(line.strip(), size, weight) > max_width:  # one word wider than the line
                head = ""
                for ch in line:
                    if head and _width((head + ch).strip(), size, weight) > max_width:
                        lines.append(head.strip())
                        head = ""
                    head += ch
                line = head
            continue
        lines.append(line.strip())
        line = token.lstrip()
    if line.strip():
        lines.append(line.strip())
    return lines


def balanced_lines(
    text: str,
    *,
    size: int,
    max_width: int,
    weight: Weight = "bold",
    leans: Callable[[str], bool] | None = None,
) -> list[str]:
    """As few lines as ``wrap_lines`` makes, broken where the fewest lines end on a word that ``leans`` on
    the next ("Dr. | Ingenhousz"), then where the fewest hold one word alone, then where they are most even:
    "Plants need | light, e.g. sunlight" rather than "Plants need light, e.g. | sunlight" (with a word
    wider than the line: ``wrap_lines`` as it is)."""
    greedy = wrap_lines(text, size=size, max_width=max_width, weight=weight)
    words = _words(clean(text))
    if len(greedy) < 2 or any(_width(word, size, weight) > max_width for word, _ in words):
        return greedy

    def line(a: int, b: int) -> str:
        return "".join(
            (" " if spaced and n > a else "") + word for n, (word, spaced) in enumerate(words[a:b], a)
        )

    # Per number of lines: for each count of words laid out, the least (lines ending on a leaning word,
    # lines of one word, squared slack) and where the last of those lines starts.
    best: list[dict[int, tuple[tuple[int, int, float], int]]] = [{0: ((0, 0, 0.0), 0)}]
    for _ in greedy:
        row: dict[int, tuple[tuple[int, int, float], int]] = {}
        for a, ((leaning, alone, slack), _) in best[-1].items():
            for b in range(a + 1, len(words) + 1):
                width = _width(line(a, b), size, weight)
                if width > max_width:
                    break
                ends_leaning = b < len(words) and leans is not None and leans(words[b - 1][0])
                cost = (leaning + ends_leaning, alone + (b - a == 1), slack + (max_width - width) ** 2)
                if b not in row or cost < row[b][0]:
                    row[b] = (cost, a)
        best.append(row)
    lines, end = [], len(words)
    for row in reversed(best[1:]):
        start = row[end][1]
        lines.append(line(start, end))
        end = start
    return lines[::-1]


def _words(text: str) -> list[tuple[str, bool]]:
    """The words of ``_tokens(text)``, each with whether a space comes before it."""
    words: list[tuple[str, bool]] = []
    gap = False
    for token in _tokens(text):
        if token == " ":
            gap = True
        else:
            words.append((token, gap))
            gap = False
    return words


def fit_size(text: str, *, size: int, max_width: int, weight: Weight = "bold", smallest: float = 0.4) -> int:
    """The largest size up to ``size`` at which no single word is wider than ``max_width``."""
    words = [t for t in _tokens(clean(text)) if t != " "]
    floor = max(1, round(size * smallest))
    while size > floor and any(_width(word, size, weight) > max_width for word in words):
        size = max(floor, round(size * 0.9))
    return size


def _ellipsize(line: str, size: int, max_width: int, weight: Weight) -> str:
    while line and _width(line + "…", size, weight) > max_width:
        line = line[:-1]
    return line.rstrip() + "…"


def render_text(
    text: str,
    *,
    size: int,
    max_width: int,
    color: Color = "#FFFFFF",
    weight: Weight = "bold",
    stroke_width: int = 0,
    stroke_color: Color = (0, 0, 0),
    align: Align = "center",
    line_spacing: float = 1.2,
    max_lines: int | None = None,
    direction: Direction = "auto",
) -> Image.Image:
    """The text wrapped within ``max_width`` as a tight transparent RGBA image (1x1 when nothing to draw).

    ``direction`` is the paragraph's base direction for the bidi algorithm (``auto``: its first strong
    character's); ``ltr`` keeps, say, "01 / 02 · <Arabic title>" in that order."""
    lines = wrap_lines(text, size=size, max_width=max_width, weight=weight)
    if max_lines is not None and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(lines[max_lines - 1], size, max_width, weight)]
    if not lines:
        return Image.new("RGBA", (1, 1), (0, 0, 0, 0))
    widths = [_width(line, size, weight) for line in lines]
    pad = stroke_width + 2
    step = round(size * line_spacing)
    width = round(max(widths)) + 2 * pad
    height = step * (len(lines) - 1) + round(size * 1.35) + 2 * pad
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    base = base_direction(text) if direction == "auto" else direction
    for n, (line, line_width) in enumerate(zip(lines, widths, strict=True)):
        x = {"left": pad, "center": (width - line_width) / 2, "right": width - pad - line_width}[align]
        baseline = pad + round(size * 1.05) + n * step
        for run in visual_order(runs(line, weight, base)):
            font = _font(run.font, size)
            run_direction = "rtl" if run.rtl else "ltr"
            draw.text(
                (x, baseline), run.text, font=font, fill=color, anchor="ls", direction=run_direction,
                stroke_width=stroke_width, stroke_fill=stroke_color,
            )  # fmt: skip
            x += font.getlength(run.text, direction=run_direction)
    return image.crop(image.getbbox() or (0, 0, 1, 1))
