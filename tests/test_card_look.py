"""What a viewer sees on a card: readable text on every background, soft shadows, smooth shapes, and
mixed-direction headers in reading order. Measured on pixels, through what the card pastes."""

from __future__ import annotations

import hashlib
import random

import cv2
import numpy as np
import pytest
from PIL import Image

from videocreator import registry
from videocreator.backend import ImageRequest
from videocreator.images import backdrop, card
from videocreator.stage import Stage
from videocreator.typography import render_text

ARABIC_TITLE = "كيف تعمل البراكين"
SCENES = ("Volcanoes form where magma rises through the crust", "The economy grew slowly after the reform")
SIZES = [(360, 640), (640, 360), (480, 480)]


def _luminance(rgb: np.ndarray) -> np.ndarray:
    c = np.asarray(rgb, float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4) @ [0.2126, 0.7152, 0.0722]


def _scene_for_palette(palette: int, scene: str) -> tuple[str, int]:
    """A seed with which ``scene`` gets the ``palette``-th palette (the card picks it from a hash)."""
    seed = 0
    while hashlib.sha256(f"{scene}\x00{seed}".encode()).digest()[0] % len(backdrop.PALETTES) != palette:
        seed += 1
    return scene, seed


class Pastes:
    """Records every RGBA layer pasted with its own alpha, with the pixels it was pasted over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.layers: list[tuple[np.ndarray, tuple[int, int], np.ndarray]] = []
        self.texts: list[bytes] = []
        original_paste, original_render = Image.Image.paste, card.render_text

        def paste(image, im, box=None, mask=None):
            if isinstance(im, Image.Image) and im.mode == "RGBA" and mask is im and box is not None:
                x, y = box[:2]
                under = np.asarray(image.convert("RGB").crop((x, y, x + im.width, y + im.height)))
                self.layers.append((np.asarray(im), (x, y), under.copy()))
            return original_paste(image, im, box, mask)

        def render(*args, **kwargs):
            text = original_render(*args, **kwargs)
            self.texts.append(text.getchannel("A").tobytes())
            return text

        monkeypatch.setattr(Image.Image, "paste", paste)
        monkeypatch.setattr(card, "render_text", render)

    def text_layers(self):
        return [(layer, under) for layer, _, under in self.layers if layer[..., 3].tobytes() in self.texts]

    def shadow_layers(self):
        return [
            layer for layer, _, _ in self.layers
            if layer[..., 3].max() > 0 and layer[..., :3][layer[..., 3] > 0].max() <= 20
        ]  # fmt: skip


def _worst_contrast(layer: np.ndarray, under: np.ndarray) -> float:
    """Contrast of the text's colour with the worst 8 x 8 block of the pixels under its box."""
    alpha = layer[..., 3]
    ink = _luminance(np.median(layer[..., :3][alpha == 255], axis=0))
    h, w = under.shape[:2]
    lum = _luminance(np.pad(under, ((0, -h % 8), (0, -w % 8), (0, 0)), mode="edge"))
    blocks = lum.reshape(lum.shape[0] // 8, 8, lum.shape[1] // 8, 8).mean(axis=(1, 3))
    hi = np.maximum(blocks, ink)
    lo = np.minimum(blocks, ink)
    return float(((hi + 0.05) / (lo + 0.05)).min())


@pytest.mark.parametrize("style", ["aurora", "arc", "band"])
def test_every_text_area_reaches_wcag_aa(style: str, monkeypatch: pytest.MonkeyPatch):
    maker = registry.create(Stage.IMAGES, "card", {"style": style})
    failures = []
    for palette in range(len(backdrop.PALETTES)):
        for scene in SCENES:
            prompt, seed = _scene_for_palette(palette, scene)
            for size in SIZES:
                pastes = Pastes(monkeypatch)
                maker.make(ImageRequest(prompt, *size, seed=seed, title="Light and shade", index=0, total=2))
                texts = pastes.text_layers()
                assert len(texts) >= 2, "the header and the headline were drawn"
                worst = min(_worst_contrast(layer, under) for layer, under in texts)
                if worst < 4.5:
                    failures.append((palette, scene[:12], size, round(worst, 2)))
                monkeypatch.undo()
    assert not failures


def test_no_shadow_ends_in_a_hard_edge(monkeypatch: pytest.MonkeyPatch):
    maker = registry.create(Stage.IMAGES, "card")
    pastes = Pastes(monkeypatch)
    for n, scene in enumerate(SCENES):
        maker.make(ImageRequest(scene, 1080, 1920, seed=n, title="Shadows"))
    shadows = pastes.shadow_layers()
    assert shadows
    for layer in shadows:
        alpha = layer[..., 3].astype(int)
        border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        assert border.max() <= 2, "the blur fades out inside its layer: no step where the layer ends"


@pytest.mark.parametrize("style", ["band", "arc"])
def test_shape_edges_are_antialiased(style: str):
    palette = backdrop.PALETTES[8]
    w, h = 640, 360
    drawn = np.asarray(backdrop.compose(style, random.Random(3), w, h, palette), float)
    big = backdrop.compose(style, random.Random(3), w * 4, h * 4, palette)
    reference = np.asarray(big.resize((w, h), Image.Resampling.BOX), float)
    edges = cv2.Canny(reference.astype(np.uint8), 20, 60) > 0
    error = np.abs(drawn - reference).max(axis=2)[edges]
    assert edges.sum() > 200
    assert np.percentile(error, 99) < 12, "each edge pixel is about the shape's share of it, as supersampled"


def _x_of(piece: str, line: np.ndarray, size: int, weight: str) -> int:
    template = np.asarray(render_text(piece, size=size, max_width=10_000, weight=weight).getchannel("A"))
    scores = cv2.matchTemplate(line.astype(np.float32), template.astype(np.float32), cv2.TM_CCOEFF_NORMED)
    return int(np.unravel_index(np.argmax(scores), scores.shape)[1])


def test_mixed_direction_header_reads_in_order(monkeypatch: pytest.MonkeyPatch):
    calls: list[tuple[str, dict, Image.Image]] = []
    original = card.render_text

    def render(text, **kwargs):
        image = original(text, **kwargs)
        calls.append((text, kwargs, image))
        return image

    monkeypatch.setattr(card, "render_text", render)
    registry.create(Stage.IMAGES, "card").make(
        ImageRequest("The economy grew slowly", 1280, 720, seed=1, title=ARABIC_TITLE, index=0, total=2)
    )
    _, kwargs, image = next(c for c in calls if ARABIC_TITLE in c[0])
    line = np.asarray(image.getchannel("A"))
    size, weight = kwargs["size"], kwargs.get("weight", "bold")
    first, second = _x_of("01", line, size, weight), _x_of("02", line, size, weight)
    title = _x_of(ARABIC_TITLE, line, size, weight)
    assert first < second < title, "01 / 02 · <title>, left to right"
