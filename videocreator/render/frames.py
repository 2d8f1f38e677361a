"""Frame synthesis: Ken Burns motion on a still, captions blended in, crossfades (text fading out and in
around them where a picture comes with its textless layer).

Frames are made directly in the encoder's pixel format, I420 (a full-size Y plane, then quarter-size U
and V planes, in one ``(height * 3 / 2, width)`` uint8 array): half the bytes of RGB to move, no colour
conversion per frame, and every operation is an OpenCV/numpy call that releases the GIL, so frames are
made while ffmpeg encodes the previous ones and its output is read in another thread. The zoom is one
affine warp of each plane about a pixel corner, bilinear: within a level of the exact zoom, moving by
fractions of a pixel (no stepping), in 3.5 ms a 1080x1920 frame (quadrants zoomed with ``cv2.resize``,
once thought cheaper, took 5.7 ms).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from PIL import Image

from . import caption_art
from .caption_art import CaptionLook, even

# Frames are made in one thread beside an encoder whose own threads keep every core busy: OpenCV's
# worker threads would only spin against it (twice the CPU time for the same frames, measured).
cv2.setNumThreads(1)

MAX_ZOOM = 1.12


@dataclass(frozen=True)
class Motion:
    """A slow zoom from ``zoom0`` to ``zoom1`` about a point of the picture that stays still on screen.

    ``fx``/``fy`` in [0, 1] place that point (0.5 = centred). Zooming in, the picture grows around it;
    zooming out, the rest of the picture comes into view around it.
    """

    zoom0: float
    zoom1: float
    fx: float
    fy: float

    def __post_init__(self) -> None:
        if min(self.zoom0, self.zoom1) < 1:
            raise ValueError("the zoom must stay at 1 or more: the picture always fills the frame")

    @classmethod
    def seeded(cls, seed: str) -> Motion:
        rng = random.Random(seed)
        near, far = 1.0, rng.uniform(1.07, MAX_ZOOM)
        zoom0, zoom1 = (near, far) if rng.random() < 0.6 else (far, near)
        return cls(zoom0, zoom1, rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75))

    def zoom(self, t: float) -> float:
        """The zoom at ``t`` in [0, 1]: geometric, so the picture grows at a steady pace throughout
        (the motion carries on through the crossfades rather than stopping at each one)."""
        return self.zoom0 * (self.zoom1 / self.zoom0) ** t

    def rows_reached(self, top: float, bottom: float, height: int) -> tuple[int, int]:
        """The rows of the frame that the picture's rows ``top``..``bottom`` cover at some time of the
        motion (a row moves away from the fixed point as the zoom grows: its extremes are at the ends)."""
        fixed = even(round(self.fy * height))  # as ``StillShot`` places it
        moved = [fixed + (row - fixed) * zoom for row in (top, bottom) for zoom in (self.zoom0, self.zoom1)]
        return math.floor(min(moved)), math.ceil(max(moved))


def planes(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 frame."""
    height, width = frame.shape[0] * 2 // 3, frame.shape[1]
    flat = frame.reshape(-1)
    luma, chroma = height * width, (height // 2) * (width // 2)
    u = flat[luma : luma + chroma].reshape(height // 2, width // 2)
    v = flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2)
    return frame[:height], u, v


def to_i420(rgb: np.ndarray) -> np.ndarray:
    """An RGB picture (even width and height) as an I420 frame, each chroma sample the mean of its 2x2
    block (OpenCV's conversion alone takes the block's top-left pixel: thin coloured lines lose their
    colour, and chroma sits half a pixel off the centre the zoom assumes)."""
    # BT.601 limited range; the encoder tags the output so (smpte170m).
    frame = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    height, width = rgb.shape[:2]
    means = cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    blocks = cv2.resize(means, (width, height), interpolation=cv2.INTER_NEAREST)
    frame[height:] = cv2.cvtColor(blocks, cv2.COLOR_RGB2YUV_I420)[height:]
    return frame


def warp_zoom(
    source: np.ndarray, origin: tuple[int, int], fixed: tuple[int, int], zoom: float, view: np.ndarray,
    at: tuple[int, int],
) -> None:  # fmt: skip
    """A plane zoomed about its pixel corner ``fixed``, written into ``view``, the window at ``at`` of the
    zoomed plane, from ``source``: the plane, or the part of it at ``origin`` that the window reads."""
    if not view.size:
        return
    scale = 1 / zoom  # source pixels per output pixel, about the corner
    shift_x, shift_y = (fixed[0] - 0.5) * (1 - scale), (fixed[1] - 0.5) * (1 - scale)
    matrix = np.float64(
        [[scale, 0, shift_x + scale * at[0] - origin[0]], [0, scale, shift_y + scale * at[1] - origin[1]]]
    )
    cv2.warpAffine(
        source, matrix, (view.shape[1], view.shape[0]), dst=view,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


class StillShot:
    """One scene's picture (an I420 frame) moving over ``frames`` frames."""

    def __init__(self, image: np.ndarray, motion: Motion, frames: int):
        self.image = image
        self.motion = motion
        self.frames = frames
        self.height, self.width = image.shape[0] * 2 // 3, image.shape[1]
        # The fixed point on even pixels: a pixel corner of the half-size chroma planes too.
        self.px, self.py = even(round(motion.fx * self.width)), even(round(motion.fy * self.height))
        self.fixed = [(self.px // scale, self.py // scale) for scale in (1, 2, 2)]  # each plane's

    def zoom_at(self, index: int) -> float:
        return self.motion.zoom(index / max(1, self.frames - 1))

    def frame(self, index: int) -> np.ndarray:
        zoom = self.zoom_at(index)
        out = np.empty_like(self.image)
        for plane, fixed, dst in zip(planes(self.image), self.fixed, planes(out), strict=True):
            warp_zoom(plane, (0, 0), fixed, zoom, dst, (0, 0))
        return out


Box = tuple[int, int, int, int]  # left, top, right, bottom, in luma pixels

# Pixels kept around a text's box: what a zoom of at most MAX_ZOOM reads for the window that
# ``LayeredShot`` blends (two pixels of margin on screen, rounded out to even, and bilinear reach).
_REACH = 8


@dataclass(frozen=True)
class UnderText:
    """What a picture without its text has where the text is: the ``box`` where the two differ, and the
    textless picture's planes over that box and a margin around it, from the even corner ``origin``."""

    box: Box
    origin: tuple[int, int]
    planes: tuple[np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, picture: np.ndarray, textless: np.ndarray) -> UnderText | None:
        """What ``textless`` (an I420 frame) has under ``picture``'s text; None where they are the same."""
        y, u, v = (a != b for a, b in zip(planes(picture), planes(textless), strict=True))
        changed = y | np.kron(u | v, np.ones((2, 2), bool))
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not rows.size:
            return None
        box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
        height, width = y.shape
        left, top = even(max(0, box[0] - _REACH)), even(max(0, box[1] - _REACH))
        right, bottom = min(width, even(box[2] + _REACH + 1)), min(height, even(box[3] + _REACH + 1))
        kept = tuple(
            plane[top // scale : bottom // scale, left // scale : right // scale].copy()
            for plane, scale in zip(planes(textless), (1, 2, 2), strict=True)
        )
        return cls(box, (left, top), kept)  # type: ignore[arg-type]


class LayeredShot:
    """A picture moving over ``frames`` frames, with its text shown at any weight where the same picture
    without its text is at hand (``textless()``, called when a crossfade first needs it; None: there is
    none, and the text always shows).

    A frame with its text part hidden is the picture zoomed, with the textless picture blended in over
    the box its text covers on screen alone: only that box of the textless picture is kept (``UnderText``),
    and the fade costs a small share of a second zoom."""

    def __init__(
        self, picture: np.ndarray, textless: Callable[[], np.ndarray | None], motion: Motion, frames: int
    ):
        self.picture = StillShot(picture, motion, frames)
        self._textless: Callable[[], np.ndarray | None] | None = textless

    @cached_property
    def under_text(self) -> UnderText | None:
        made = self._textless() if self._textless else None
        self._textless = None  # what it kept to make the textless picture is needed no more
        return None if made is None else UnderText.of(self.picture.image, made)

    def frame(self, index: int, text: float = 1.0) -> np.ndarray:
        """Frame ``index`` with its text at ``text`` (1: as drawn, 0: none)."""
        out = self.picture.frame(index)
        under = self.under_text if text < 1 else None
        if under is not None:
            self._hide_text(out, index, under, 1.0 - text)
        return out

    def _hide_text(self, out: np.ndarray, index: int, under: UnderText, hidden: float) -> None:
        """The textless picture at weight ``hidden`` over the frame ``out``: zoomed into the window its text
        box covers on screen (a pixel of bilinear reach around it), blended there."""
        shot, zoom, box = self.picture, self.picture.zoom_at(index), under.box

        def on_screen(low: int, high: int, fixed: int, size: int) -> tuple[int, int]:
            start = even(max(0, math.floor(fixed + (low - fixed) * zoom) - 2))
            return start, min(size, even(math.ceil(fixed + (high - fixed) * zoom) + 3))

        left, right = on_screen(box[0], box[2], shot.px, shot.width)
        top, bottom = on_screen(box[1], box[3], shot.py, shot.height)
        for kept, dst, fixed, scale in zip(under.planes, planes(out), shot.fixed, (1, 2, 2), strict=True):
            view = dst[top // scale : bottom // scale, left // scale : right // scale]
            plain = np.empty_like(view)
            origin = (under.origin[0] // scale, under.origin[1] // scale)
            warp_zoom(kept, origin, fixed, zoom, plain, (left // scale, top // scale))
            cv2.addWeighted(view, 1.0 - hidden, plain, hidden, 0.0, dst=view)


def text_weights(weight: float) -> tuple[float, float]:
    """How much of each picture's text shows at a crossfade's ``weight`` (the share of the incoming
    picture): the outgoing text fades out over the first half and the incoming text in over the second,
    so that two texts never show at once (one dissolving through the other reads as neither)."""
    return max(0.0, 1.0 - 2.0 * weight), max(0.0, 2.0 * weight - 1.0)


def fit_i420(img: Image.Image, width: int, height: int) -> np.ndarray:
    """A picture at exactly the frame size (cover-cropped if it is not), as an I420 frame."""
    img = img if img.mode == "RGB" else img.convert("RGB")
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


def caption_picture(look: CaptionLook, text: str, *, width: int, height: int, highlight: int | None = None,
                    single: bool = False, clear: tuple[int, int] | None = None) -> Overlay:  # fmt: skip
    """A caption ready to blend (see ``caption_art.picture``)."""
    rgba, x, y = caption_art.picture(
        look, text, width=width, height=height, highlight=highlight, single=single, clear=clear
    )
    return Overlay.from_rgba(rgba, x, y)


def crossfade(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """``a`` and ``b`` blended, ``weight`` of ``b``, into ``a`` (a frame made for the blend alone)."""
    return cv2.addWeighted(a, 1.0 - weight, b, weight, 0.0, dst=a)
