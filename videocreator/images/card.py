"""The offline picture maker: a designed title card per scene, no model weights.

Each card shows the scene's key words in large type over a composition (soft light blobs, a bold
arc or a band, a faint dot grid, film grain) whose palette and layout are seeded by the prompt and the
scene's seed, so every scene looks different and the same scene looks the same every time. The lower
quarter stays calm for the captions, and text keeps clear of the edges the slow zoom crops.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from pydantic import Field

from ..backend import ImageMaker, ImageRequest, Options
from ..registry import register
from ..typography import clean, fit_size, render_text

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

_STOP_WORDS_TEXT = """
a an the and or but of to in on at by for with from into onto over under about as is are was were be been
being this that these those it its their his her our your my we you they he she i them there here then than
so such very much many more most some any each every other another how what why when where who which while
during after before between through across up down out off again further once only own same can will just
should could would may might must do does did doing have has had having not no nor too shot view image photo
picture illustration showing shows show scene close closeup wide angle detailed style background foreground
colorful vivid realistic cinematic digital art high quality beautiful though although because also even
still yet thus hence therefore however instead rather quite really almost already always never often
sometimes something someone anything everything nothing thing things like made make makes making get gets
got come comes came going goes went take takes took seen look looks looking called
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


class CardOptions(Options):
    style: Literal["auto", "aurora", "arc", "band"] = Field(
        "auto", description="Composition (auto: per scene)"
    )


def key_words(prompt: str, title: str = "", limit: int = 3) -> str:
    """The 1-3 most telling words of a prompt (longest content words, in their original order).

    Words of the video's title are skipped when the prompt has enough of its own, so that every scene's
    card does not repeat the topic.
    """
    text = clean(prompt)
    words = [w.strip(".,;:!?\"'()[]{}«»“”‘’—–-") for w in text.split()]
    words = [w for w in words if w and any(ch.isalnum() for ch in w)]
    content = [w for w in words if w.lower() not in STOP_WORDS and len(w) > 2]
    own = [w for w in content if w.lower() not in {t.lower() for t in clean(title).split()}]
    if len(own) >= 2:
        content = own
    if not content:
        content = words
    if len(content) == 1 and len(content[0]) > 14 and not any(ch.isspace() for ch in content[0]):
        return content[0][:14]  # a script without spaces: its first characters
    chosen = sorted(sorted(range(len(content)), key=lambda i: -len(content[i]))[:limit])
    phrase = " ".join(content[i] for i in chosen)
    cased = any(unicodedata.category(ch) == "Lu" for ch in phrase)
    return phrase if cased else phrase.title()


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = int(hex_color.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def _gradient(width: int, height: int, top: str, bottom: str, angle: float) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (ys / height) * np.cos(angle) + (xs / width) * np.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    a, b = np.array(_rgb(top), np.float32), np.array(_rgb(bottom), np.float32)
    return a * (1 - t[..., None]) + b * t[..., None]


def _compose(style: str, rng: random.Random, w: int, h: int, palette: tuple[str, ...]) -> Image.Image:
    """The background composition, drawn at a quarter size (it is all soft shapes) and scaled up."""
    top, bottom, accent, accent2, _ = palette
    small_w, small_h = max(8, w // 4), max(8, h // 4)
    base = Image.fromarray(_gradient(small_w, small_h, top, bottom, rng.uniform(-0.6, 0.6)).astype(np.uint8))
    glow = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(glow)
    unit = min(small_w, small_h)
    if style == "aurora":
        for color in (accent, accent2, accent, accent2):
            r = rng.uniform(0.25, 0.55) * unit
            cx, cy = rng.uniform(0, small_w), rng.uniform(0, small_h * 0.7)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*_rgb(color), rng.randint(90, 150)))
        glow = glow.filter(ImageFilter.GaussianBlur(unit * 0.18))
    elif style == "arc":
        r = unit * rng.uniform(0.55, 0.8)
        cx = rng.choice((small_w * 0.85, small_w * 0.15))
        cy = small_h * rng.uniform(0.2, 0.45)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*_rgb(accent), 235))
        r2 = r * 0.55
        draw.ellipse((cx - r2, cy - r2, cx + r2, cy + r2), fill=(*_rgb(accent2), 200))
        glow = glow.filter(ImageFilter.GaussianBlur(unit * 0.01))
    else:  # band
        slope = rng.uniform(-0.35, 0.35) * small_h
        y0 = small_h * rng.uniform(0.3, 0.5)
        thick = small_h * 0.16
        draw.polygon(
            [(0, y0 - slope), (small_w, y0 + slope), (small_w, y0 + slope + thick), (0, y0 - slope + thick)],
            fill=(*_rgb(accent), 220),
        )
        edge = thick * 1.12
        stripe = [(0, y0 - slope + thick), (small_w, y0 + slope + thick), (small_w, y0 + slope + edge)]
        draw.polygon([*stripe, (0, y0 - slope + edge)], fill=(*_rgb(accent2), 230))
        glow = glow.filter(ImageFilter.GaussianBlur(unit * 0.004))
    base = Image.alpha_composite(base.convert("RGBA"), glow).convert("RGB")
    return base.resize((w, h), Image.Resampling.BICUBIC)


def _dots(image: Image.Image, rng: random.Random, color: str) -> None:
    w, h = image.size
    step = max(24, min(w, h) // 18)
    draw = ImageDraw.Draw(image, "RGBA")
    radius = max(1, step // 14)
    r, g, b = _rgb(color)
    for y in range(step // 2, int(h * 0.72), step):
        for x in range(step // 2, w, step):
            if rng.random() < 0.55:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(r, g, b, 38))


def _finish(image: Image.Image, seed: int) -> Image.Image:
    """A vignette and fine grain: what keeps flat digital colour from looking like a placeholder."""
    pixels = np.asarray(image, dtype=np.float32)
    h, w = pixels.shape[:2]
    ys, xs = np.ogrid[0:h, 0:w]
    distance = ((xs / w - 0.5) ** 2 + (ys / h - 0.45) ** 2) ** 0.5
    pixels *= (1.0 - 0.35 * np.clip(distance - 0.25, 0, 1) ** 1.2)[..., None]
    noise = np.random.default_rng(seed).normal(0.0, 5.0, (h, w, 1)).astype(np.float32)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


@register
class CardImages(ImageMaker):
    name = "card"
    description = "Designed typographic cards with the scene's key words (offline, instant)"
    offline_default = True
    context_fields = ("title", "index", "total")
    Options = CardOptions

    def make(self, request: ImageRequest) -> Image.Image:
        digest = hashlib.sha256(f"{request.prompt}\x00{request.seed}".encode()).digest()
        rng = random.Random(digest)
        palette = PALETTES[digest[0] % len(PALETTES)]
        style = self.options.style if self.options.style != "auto" else STYLES[digest[1] % len(STYLES)]
        w, h = request.width, request.height
        image = _compose(style, rng, w, h, palette)
        if style != "arc":
            _dots(image, rng, palette[4])
        self._type(image, request, palette, style)
        return _finish(image, int.from_bytes(digest[2:6], "big"))

    def _type(self, image: Image.Image, request: ImageRequest, palette: tuple[str, ...], style: str) -> None:
        w, h = image.size
        unit = min(w, h)
        margin = round(unit * 0.11)
        text_color = palette[4]
        words = key_words(request.prompt, request.title)
        size = fit_size(words, size=round(unit * (0.13 if h >= w else 0.11)), max_width=w - 2 * margin)
        title = render_text(
            words, size=size, max_width=w - 2 * margin, color=text_color,
            weight="bold", stroke_width=0, align="left" if style == "arc" else "center", line_spacing=1.05,
            max_lines=3,
        )  # fmt: skip
        shadow = Image.new("RGBA", title.size, (0, 0, 0, 0))
        shadow.paste((0, 0, 0, 110), (0, 0), title.getchannel("A"))
        shadow = shadow.filter(ImageFilter.GaussianBlur(unit * 0.012))
        x = margin if style == "arc" else (w - title.width) // 2
        y = round(h * (0.36 if h > w else 0.34)) - title.height // 2
        image.paste(shadow, (x + unit // 120, y + unit // 80), shadow)
        image.paste(title, (x, y), title)
        rule_y = y + title.height + round(unit * 0.04)
        rule_w = round(unit * 0.16)
        rule_x = x if style == "arc" else (w - rule_w) // 2
        ImageDraw.Draw(image).rectangle(
            (rule_x, rule_y, rule_x + rule_w, rule_y + max(3, unit // 140)), fill=palette[2]
        )
        label = f"{request.index + 1:02d} / {request.total:02d}"
        if request.title:
            label = f"{label}   ·   {clean(request.title)}"
        small = render_text(
            label, size=round(unit * 0.032), max_width=w - 2 * margin, color=text_color, weight="regular",
            align="left", max_lines=1,
        )  # fmt: skip
        image.paste(small, (margin, round(h * 0.08)), small)
