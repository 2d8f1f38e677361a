"""A picture's textless layer as it is kept beside the picture: only what lies under its text.

A picture maker that draws text (the card illustrator's headline and badges) gives the same picture without
it too (``backend.Picture``). On disk that layer keeps only the pixels the text changed, the rest
transparent: a fraction of the picture's bytes (the grain of a whole second picture would double a
project's size), and the picture with those pixels put back is the textless picture exactly.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def under_text(picture: Image.Image, textless: Image.Image) -> Image.Image:
    """What ``textless`` has where ``picture`` differs from it (opaque), transparent elsewhere."""
    drawn, plain = np.asarray(picture.convert("RGB")), np.asarray(textless.convert("RGB"))
    changed = (drawn != plain).any(axis=2)
    layer = np.zeros((*changed.shape, 4), np.uint8)
    layer[changed, :3] = plain[changed]
    layer[changed, 3] = 255
    return Image.fromarray(layer, "RGBA")


def without_text(picture: Image.Image, under: Image.Image) -> Image.Image:
    """The picture with what lies under its text put back (``under_text``'s layer, of the same size)."""
    layer = np.asarray(under if under.mode == "RGBA" else under.convert("RGBA"))
    plain = np.array(picture if picture.mode == "RGB" else picture.convert("RGB"))
    shown = layer[:, :, 3] == 255
    plain[shown] = layer[shown, :3]
    return Image.fromarray(plain)
