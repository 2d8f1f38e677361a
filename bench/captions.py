"""Frame-making cost of each caption style, as ratios to plain phrase captions, measured in one run.

    python bench/captions.py [--reps 5] [--size 1080x1920]

One scene narrated by the bundled Piper voice (about 15 s, so about 450 frames), over a picture; for each
style, every frame of the scene's body is made as the renderer makes it (``Plan.body(...).frame_at``: zoom,
caption pictures made when first shown, blending), without encoding. The styles are timed in turn within
each repetition (a slow spell weighs on all alike); the medians and the ratios to ``phrase`` are printed.
Target (issue 15): highlight / phrase <= 1.10.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videocreator.project import CaptionStyle
from videocreator.render import caption_art, encoder, renderer
from videocreator.speech.wav import write_wav
from videocreator.voices.piper import PiperNarrator

NARRATION = (
    "Volcanoes form where hot magma rises, pushing through cracks in the crust of the Earth. "
    "Over thousands of years, layers of lava and ash build a mountain. Some volcanoes sleep for "
    "centuries, then wake with a roar that can be heard hundreds of kilometres away."
)
STYLES = ("phrase", "highlight", "word")


def scene(folder: Path, width: int, height: int) -> renderer.SceneInput:
    speech = PiperNarrator().narrate(NARRATION)
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    Image.fromarray(pixels).resize((width, height), Image.BICUBIC).save(folder / "image.png")
    write_wav(folder / "voice.wav", speech)
    return renderer.SceneInput(
        folder / "image.png", "bench", folder / "voice.wav", "bench", speech.duration, tuple(speech.sentences)
    )


def frame_seconds(scene_input: renderer.SceneInput, style: str, width: int, height: int) -> float:
    """Seconds per frame to make every frame of the scene's body in ``style`` (a fresh plan each time)."""
    plan = renderer.Plan([scene_input], width, height, 30, CaptionStyle(style=style))
    segment = plan.body(plan.timeline.slots[0], encoder.choose(False))
    plan.shot(plan.timeline.slots[0])  # the picture is loaded outside the timing
    caption_art._drawn.cache_clear()  # each style lays out and draws its phrases itself
    started = time.perf_counter()
    for i in range(segment.frames):
        segment.frame_at(i)
    return (time.perf_counter() - started) / segment.frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size", default="1080x1920")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        scene_input = scene(Path(tmp), width, height)
        times: dict[str, list[float]] = {style: [] for style in STYLES}
        for _ in range(args.reps):
            for style in STYLES:
                times[style].append(frame_seconds(scene_input, style, width, height))
    base = statistics.median(times["phrase"])
    print(f"{width}x{height}, {scene_input.duration:.1f} s scene, median of {args.reps}")
    for style in STYLES:
        cost = statistics.median(times[style])
        print(f"{style:>9}: {1000 * cost:6.2f} ms per frame, {cost / base:.3f} x phrase")


if __name__ == "__main__":
    main()
