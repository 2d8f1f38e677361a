"""The cards' background: palettes, the three styles' shapes and gradients, a dot grid and film grain."""

from __future__ import annotations

import math
import random
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .legible import hex_rgb

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


def compose(style: str, rng: random.Random, w: int, h: int, palette: tuple[str, ...]) -> Image.Image:
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


def dots(image: Image.Image, rng: random.Random, color: str) -> None:
    w, h = image.size
    step = max(24, min(w, h) // 18)
    draw = ImageDraw.Draw(image, "RGBA")
    radius = max(1, step // 14)
    r, g, b = hex_rgb(color)
    for y in range(step // 2, int(h * 0.72), step):
        for x in range(step // 2, w, step):
            if rng.random() < 0.55:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(r, g, b, 38))


def finish(image: Image.Image, seed: int) -> Image.Image:
    """A vignette and fine grain: what keeps flat digital colour from looking like a placeholder. A picture
    is finished twice, without its text and with it: both take the one vignette of their size and the one
    grain of their seed (0.1 s a 1080x1920 picture to make)."""
    pixels = np.asarray(image, dtype=np.float32)
    h, w = pixels.shape[:2]
    pixels *= _vignette(h, w)
    return Image.fromarray(np.clip(pixels + _grain(h, w, seed), 0, 255).astype(np.uint8))


@lru_cache(maxsize=2)
def _vignette(h: int, w: int) -> np.ndarray:
    ys = np.arange(h, dtype=np.float32)[:, None] / h
    xs = np.arange(w, dtype=np.float32)[None, :] / w
    distance = np.sqrt((xs - 0.5) ** 2 + (ys - 0.45) ** 2)
    return _read_only((1.0 - 0.35 * np.clip(distance - 0.25, 0, 1) ** 1.2)[..., None])


@lru_cache(maxsize=2)
def _grain(h: int, w: int, seed: int) -> np.ndarray:
    return _read_only(np.random.default_rng(seed).standard_normal((h, w, 1), dtype=np.float32) * 5.0)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
