"""Frame synthesis: the Ken Burns zoom is exact (against a plain bilinear reference) and moves smoothly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from videocreator.render import frames
from videocreator.render.caption_art import CaptionLook


def _bilinear_zoom(plane: np.ndarray, zoom: float, px: int, py: int) -> np.ndarray:
    """The zoom about pixel corner (px, py) computed directly in float64: the definition to match."""
    height, width = plane.shape
    scale = 1 / zoom
    # Output pixel centre d + 0.5 maps to source position p + (d + 0.5 - p) * scale (in pixel corners).
    xs = np.clip(px + (np.arange(width) + 0.5 - px) * scale - 0.5, 0, width - 1)
    ys = np.clip(py + (np.arange(height) + 0.5 - py) * scale - 0.5, 0, height - 1)
    x0, y0 = np.minimum(xs.astype(int), width - 2), np.minimum(ys.astype(int), height - 2)
    fx, fy = (xs - x0)[None, :], (ys - y0)[:, None]
    src = plane.astype(np.float64)
    top = src[y0][:, x0] * (1 - fx) + src[y0][:, x0 + 1] * fx
    bottom = src[y0 + 1][:, x0] * (1 - fx) + src[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


@pytest.mark.parametrize("zoom", [1.0, 1.0004, 1.03, 1.12])
@pytest.mark.parametrize(("px", "py"), [(52, 38), (0, 0), (100, 80), (2, 79)])
def test_zoom_matches_the_exact_bilinear_zoom(zoom, px, py):
    # Black and white noise: the hardest picture, every error shows (including along the seams).
    plane = (np.random.default_rng(7).integers(0, 2, (80, 100)) * 255).astype(np.uint8)
    out = np.zeros_like(plane)
    frames.warp_zoom(plane, (0, 0), (px, py), zoom, out, (0, 0))
    error = np.abs(out - _bilinear_zoom(plane, zoom, px, py))
    assert error.max() <= 1.0, (
        f"worst pixel off by {error.max():.1f} at {np.unravel_index(error.argmax(), error.shape)}"
    )


def _picture_with_dots(width: int, height: int, dots: list[tuple[float, float]]) -> np.ndarray:
    """Soft coloured dots on grey, as an I420 frame (positions in pixel corners: pixel i spans i..i+1)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    glow = sum(np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 6.0**2)) for x, y in dots)
    rgb = np.stack([60 + 180 * glow, 60 + 40 * glow, 60 + 0 * glow], axis=-1)
    return frames.to_i420(np.clip(rgb, 0, 255).astype(np.uint8))


def _centroid(plane: np.ndarray, x: float, y: float, radius: int, background: float) -> tuple[float, float]:
    x0, y0 = int(x) - radius, int(y) - radius
    window = np.abs(plane[y0 : y0 + 2 * radius, x0 : x0 + 2 * radius].astype(np.float64) - background)
    yy, xx = np.mgrid[0 : 2 * radius, 0 : 2 * radius]
    return x0 + 0.5 + (window * xx).sum() / window.sum(), y0 + 0.5 + (window * yy).sum() / window.sum()


def test_zoom_moves_smoothly_about_a_still_point_with_colour_in_register():
    width, height, count = 320, 480, 60
    motion = frames.Motion(zoom0=1.0, zoom1=1.12, fx=0.4, fy=0.6)
    fixed = (128.0, 288.0)  # (0.4 * 320, 0.6 * 480): a pixel corner, also in the half-size chroma
    far = (260.0, 60.0)
    shot = frames.StillShot(_picture_with_dots(width, height, [fixed, far]), motion, count)
    still, path, chroma_gap = [], [], []
    for index in range(count):
        y_plane, u_plane, _ = frames.planes(shot.frame(index))
        zoom = motion.zoom(index / (count - 1))
        expected = [f + (d - f) * zoom for f, d in zip(fixed, far, strict=True)]
        still.append(_centroid(y_plane, *fixed, radius=14, background=float(y_plane[5, 5])))
        seen = _centroid(y_plane, *expected, radius=16, background=float(y_plane[5, 5]))
        path.append(seen)
        u_seen = _centroid(
            u_plane, expected[0] / 2, expected[1] / 2, radius=9, background=float(u_plane[3, 3])
        )
        chroma_gap.append(np.hypot(2 * u_seen[0] - seen[0], 2 * u_seen[1] - seen[1]))
        assert np.hypot(seen[0] - expected[0], seen[1] - expected[1]) < 0.1, f"frame {index}: off its path"
    assert np.ptp(np.array(still), axis=0).max() < 0.02, "the fixed point stays put"
    steps = np.diff(np.array(path), axis=0)
    # Whole or half pixel stepping (moving a picture by cropping) shows here as jumps of 0.25-1 px.
    assert np.abs(np.diff(steps, axis=0)).max() < 0.15, "no stepping: the speed changes only gradually"
    assert np.linalg.norm(steps, axis=1).min() > 0.1, "it moves in every frame"
    assert max(chroma_gap) < 0.3, "colour stays on the picture it belongs to"


def test_caption_overlay_blends_into_all_three_planes():
    frame = frames.to_i420(np.full((320, 240, 3), 40, np.uint8))
    before = [p.copy() for p in frames.planes(frame)]
    look = CaptionLook(size_fraction=0.08, position="bottom", color="#ffdd00")
    overlay = frames.caption_picture(look, "Hello", width=240, height=320)
    overlay.blend_onto(frame)
    changed = [np.abs(p.astype(int) - b).max() for p, b in zip(frames.planes(frame), before, strict=True)]
    assert min(changed) > 20, "yellow text changes luma and both chroma planes"
    rgb = cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)
    assert rgb[: 320 // 2].max() <= 45, "a bottom caption leaves the top half alone"


@pytest.mark.parametrize("text", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("box", [(40, 30, 90, 60), (0, 0, 200, 14), (150, 96, 200, 120), (57, 71, 61, 76)])
def test_text_blended_over_its_box_is_the_blend_of_both_whole_zoomed_pictures(text, box):
    """A picture's text at a weight is drawn by zooming the picture into its text's window alone: the same
    as zooming both pictures whole and blending them, at every pixel and zoom."""
    width, height = 200, 120
    rng = np.random.default_rng(5)
    plain = rng.integers(0, 256, (height, width, 3)).astype(np.uint8)
    drawn = plain.copy()
    left, top, right, bottom = box
    drawn[top:bottom, left:right] = rng.integers(0, 256, (bottom - top, right - left, 3))
    picture, textless = frames.to_i420(drawn), frames.to_i420(plain)
    motion = frames.Motion(zoom0=1.0, zoom1=1.12, fx=0.3, fy=0.6)
    shot = frames.LayeredShot(picture, lambda: textless, motion, 30)
    whole, bare = frames.StillShot(picture, motion, 30), frames.StillShot(textless, motion, 30)
    for index in (0, 9, 29):
        expected = bare.frame(index) * (1 - text) + whole.frame(index).astype(float) * text
        error = np.abs(shot.frame(index, text) - expected)
        assert error.max() <= 1.0, (
            f"frame {index}: off by {error.max():.1f} at {np.unravel_index(error.argmax(), error.shape)}"
        )
