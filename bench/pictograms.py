"""How fast the offline illustrator is: index, lookup, and a 1080x1920 card with pictograms.

    python bench/pictograms.py

Targets (issue 13): index built once in under 1 s; a lookup under 30 ms; a card with pictograms under
300 ms. The first lookup in a language also loads that language's lemma dictionary (simplemma), timed
apart. Each figure is the median of several runs, in a fresh process for the one-time costs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENES = [
    ("en", "Volcanoes form where magma rises through the crust"),
    ("en", "Bees carry pollen from flower to flower"),
    ("es", "Las abejas llevan el polen de flor en flor"),
    ("de", "Die Rakete fliegt zum Mond"),
    ("en", "So the house bees spread the nectar in thin layers inside the wax cells of the comb"),
    ("fr", "La tortue de mer pond ses œufs sur la plage"),
]

ONCE = """
import json, time
t = time.perf_counter()
from videocreator.images.pictograms import index, pictograms
t_import = time.perf_counter()
index()
t_index = time.perf_counter()
pictograms("Volcanoes form where magma rises through the crust")
t_first = time.perf_counter()
times = {"import_s": t_import - t, "index_s": t_index - t_import, "first_lookup_s": t_first - t_index}
print(json.dumps(times))
"""


def _once(runs: int = 3) -> dict[str, float]:
    results = [
        json.loads(subprocess.run([sys.executable, "-c", ONCE], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout)
        for _ in range(runs)
    ]  # fmt: skip
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def _median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    from videocreator.backend import ImageRequest
    from videocreator.images import pictograms
    from videocreator.images.card import draw_card
    from videocreator.images.pictograms import render_pictogram
    from videocreator.images.words import scene_words

    print("one-time:", {k: round(v, 3) for k, v in _once().items()}, "(seconds)")
    for language, scene in SCENES:
        pictograms(scene, language)  # loads the language's dictionary
        lookup = _median_ms(
            lambda s=scene, lang=language: (scene_words.cache_clear(), pictograms(s, lang)), 20
        )
        print(f"lookup {language}: {lookup:.2f} ms  {[p.char for p in pictograms(scene, language)]}")
    for scene in (
        "Volcanoes form where magma rises through the crust",
        "Bees carry pollen from flower to flower",
    ):
        for seed in range(3):
            request = ImageRequest(scene, 1080, 1920, seed=seed, title="Nature", index=0, total=3)
            render_pictogram.cache_clear()
            ms = _median_ms(lambda r=request: (render_pictogram.cache_clear(), draw_card(r)), 3)
            print(f"card 1080x1920 (seed {seed}, {scene[:20]}...): {ms:.0f} ms")


if __name__ == "__main__":
    main()
