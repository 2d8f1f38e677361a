"""Frame synthesis: Ken Burns motion on a still, captions blended in, crossfades.

Frames are made directly in the encoder's pixel format, I420 (a full-size Y plane, then quarter-size U
and V planes, in one ``(height * 3 / 2, width)`` uint8 array): half the bytes of RGB to move, no colour
conversion per frame, and every operation is an OpenCV/numpy call that releases the GIL, so frames are
made in a thread while ffmpeg encodes the previous ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter

from ..typography import render_text

MAX_ZOOM = 1.12


@dataclass(frozen=True)
class Motion:
    """A slow zoom with a drift, from (zoom0, fx0, fy0) to (zoom1, fx1, fy1).

    ``fx``/``fy`` in [0, 1] place the view inside the room the zoom leaves (0.5 = centred).
    """

    zoom0: float
    zoom1: float
    fx0: float
    fy0: float
    fx1: float
    fy1: float

    @classmethod
    def seeded(cls, seed: str) -> Motion:
        rng = random.Random(seed)
        near, far = 1.0, rng.uniform(1.07, MAX_ZOOM)
        zoom0, zoom1 = (near, far) if rng.random() < 0.6 else (far, near)
        fx0, fy0 = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)
        fx1, fy1 = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
        return cls(zoom0, zoom1, fx0, fy0, fx1, fy1)

    def matrix(self, t: float, width: int, height: int) -> np.ndarray:
        e = t * t * (3 - 2 * t)  # ease in and out
        zoom = self.zoom0 + (self.zoom1 - self.zoom0) * e
        fx = self.fx0 + (self.fx1 - self.fx0) * e
        fy = self.fy0 + (self.fy1 - self.fy0) * e
        half_w, half_h = width / (2 * zoom), height / (2 * zoom)
        cx = half_w + fx * (width - 2 * half_w)
        cy = half_h + fy * (height - 2 * half_h)
        return np.float32([[zoom, 0, width / 2 - zoom * cx], [0, zoom, height / 2 - zoom * cy]])


def planes(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 frame."""
    height, width = frame.shape[0] * 2 // 3, frame.shape[1]
    flat = frame.reshape(-1)
    luma, chroma = height * width, (height // 2) * (width // 2)
    u = flat[luma : luma + chroma].reshape(height // 2, width // 2)
    v = flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2)
    return frame[:height], u, v


def to_i420(rgb: np.ndarray) -> np.ndarray:
    # OpenCV's I420 conversion is BT.601 limited range; the encoder tags the output so (smpte170m).
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


class StillShot:
    """One scene's picture (an I420 frame) moving over ``frames`` frames."""

    def __init__(self, image: np.ndarray, motion: Motion, frames: int):
        self.image = image
        self.motion = motion
        self.frames = frames
        self.height, self.width = image.shape[0] * 2 // 3, image.shape[1]

    def frame(self, index: int) -> np.ndarray:
        t = index / max(1, self.frames - 1)
        matrix = self.motion.matrix(t, self.width, self.height)
        half = matrix.copy()
        half[:, 2] /= 2  # the chroma planes are half size: same zoom, half the shift
        out = np.empty_like(self.image)
        for src, dst, m in zip(planes(self.image), planes(out), (matrix, half, half), strict=True):
            size = (dst.shape[1], dst.shape[0])
            cv2.warpAffine(src, m, size, dst=dst, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        return out


def load_i420(path: str, width: int, height: int) -> np.ndarray:
    """The scene image at exactly the frame size (cover-cropped if it is not), as an I420 frame."""
    with Image.open(path) as img:
        img = img.convert("RGB")
        if img.size != (width, height):
            scale = max(width / img.width, height / img.height)
            img = img.resize((max(width, round(img.width * scale)), max(height, round(img.height * scale))))
            left, top = (img.width - width) // 2, (img.height - height) // 2
            img = img.crop((left, top, left + width, top + height))
        return to_i420(np.asarray(img, dtype=np.uint8))


@dataclass(frozen=True)
class Overlay:
    """A pre-rendered caption at even (x, y): per plane, premultiplied colour and 255 - alpha."""

    x: int
    y: int
    premultiplied: tuple[np.ndarray, np.ndarray, np.ndarray]  # uint16 Y, U, V
    inverse_alpha: tuple[np.ndarray, np.ndarray]  # uint16, full size (Y) and half size (U, V)

    def blend_onto(self, frame: np.ndarray) -> None:
        for n, plane in enumerate(planes(frame)):
            scale = 1 if n == 0 else 2
            inverse = self.inverse_alpha[min(n, 1)]
            h, w = inverse.shape
            region = plane[self.y // scale : self.y // scale + h, self.x // scale : self.x // scale + w]
            region[:] = (self.premultiplied[n] + region * inverse) // 255

    @classmethod
    def from_rgba(cls, rgba: np.ndarray, x: int, y: int) -> Overlay:
        y_plane, u_plane, v_plane = (
            p.astype(np.uint16) for p in planes(to_i420(np.ascontiguousarray(rgba[:, :, :3])))
        )
        alpha = rgba[:, :, 3]
        h, w = alpha.shape
        full = alpha.astype(np.uint16)
        half = cv2.resize(alpha, (w // 2, h // 2), interpolation=cv2.INTER_AREA).astype(np.uint16)
        return cls(x, y, (y_plane * full, u_plane * half, v_plane * half), (255 - full, 255 - half))


def caption_overlay(
    text: str, *, width: int, height: int, size_fraction: float, position: str, color: str
) -> Overlay:
    short = min(width, height)
    size = max(12, round(short * size_fraction))
    stroke = max(2, size // 9)
    text_img = render_text(
        text,
        size=size,
        max_width=int(width * 0.84),
        color=color,
        weight="bold",
        stroke_width=stroke,
        stroke_color=(0, 0, 0),
        align="center",
        max_lines=3,
    )
    pad = stroke * 3
    canvas = Image.new("RGBA", (text_img.width + 2 * pad, text_img.height + 2 * pad), (0, 0, 0, 0))
    shadow = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    shadow.paste((0, 0, 0, 150), (pad, pad + stroke), text_img.getchannel("A"))
    canvas = Image.alpha_composite(shadow.filter(ImageFilter.GaussianBlur(stroke * 1.5)), canvas)
    canvas.alpha_composite(text_img, (pad, pad))
    canvas = canvas.crop((0, 0, _even(min(canvas.width, width)), _even(min(canvas.height, height))))
    anchor = {"top": 0.16, "middle": 0.5, "bottom": 0.78 if height > width else 0.84}[position]
    x = _even((width - canvas.width) // 2)
    y = _even(min(max(0, round(height * anchor - canvas.height / 2)), height - canvas.height))
    return Overlay.from_rgba(np.asarray(canvas, dtype=np.uint8), x, y)


def _even(n: int) -> int:
    """Chroma planes are half size: overlays sit on even pixels."""
    return n - n % 2


def crossfade(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    return cv2.addWeighted(a, 1.0 - weight, b, weight, 0.0)
