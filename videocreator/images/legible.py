"""Text that stays readable on any picture: colours chosen against the pixels actually behind the text.

Contrast is WCAG 2's ratio of relative luminances, taken on the worst part of the area under the text
(the extreme of its 8 x 8 pixel blocks, so that one grain of noise does not decide, but a light shape
under one word does). Light text is kept when it reaches AA (4.5:1) there, else dark text; when neither
does (text over both light and dark shapes), a dark scrim goes under light text, just opaque enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AA = 4.5
MARGIN = 0.3  # aimed above AA, for the grain and vignette added after the text
BLOCK = 8


def luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB values in 0-255 (any shape ending in 3)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast(a: float, b: float) -> float:
    """WCAG contrast ratio of two relative luminances."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def block_luminances(region: np.ndarray) -> np.ndarray:
    """Mean luminance of each 8 x 8 block of an RGB region (partial blocks at the edges included)."""
    lum = luminance(region)
    h, w = lum.shape
    ph, pw = -h % BLOCK, -w % BLOCK
    padded = np.pad(lum, ((0, ph), (0, pw)), mode="edge")
    return padded.reshape(padded.shape[0] // BLOCK, BLOCK, padded.shape[1] // BLOCK, BLOCK).mean(axis=(1, 3))


def hex_rgb(color: str) -> tuple[int, int, int]:
    value = int(color.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


@dataclass(frozen=True)
class Ink:
    """How to draw text on a region: its colour, and the opacity of a dark scrim under it (0: none)."""

    color: tuple[int, int, int]
    scrim: float = 0.0
    scrim_color: tuple[int, int, int] = (0, 0, 0)

    @property
    def light(self) -> bool:
        return float(luminance(self.color)) > 0.18


def choose_ink(region: np.ndarray, light: str, dark: str) -> Ink:
    """The ink for text over ``region`` (the RGB pixels under its box): light, else dark, else light on a
    scrim of ``dark`` as light as AA allows."""
    blocks = block_luminances(region)
    light_rgb, dark_rgb = hex_rgb(light), hex_rgb(dark)
    light_lum, dark_lum = float(luminance(light_rgb)), float(luminance(dark_rgb))
    if contrast(light_lum, float(blocks.max())) >= AA + MARGIN:
        return Ink(light_rgb)
    if contrast(dark_lum, float(blocks.min())) >= AA + MARGIN:
        return Ink(dark_rgb)
    brightest = region.reshape(-1, 3)[int(np.argmax(luminance(region).reshape(-1)))].astype(np.float64)
    for step in range(30, 100, 5):
        alpha = step / 100
        under = brightest * (1 - alpha) + np.array(dark_rgb) * alpha
        if contrast(light_lum, float(luminance(under))) >= AA + MARGIN:
            return Ink(light_rgb, alpha, dark_rgb)
    return Ink(light_rgb, 1.0, dark_rgb)
