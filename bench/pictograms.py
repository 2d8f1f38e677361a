"""How fast the offline illustrator is: index, lookup, a script's plan, and a 1080x1920 card with pictograms.

    python bench/pictograms.py

Targets (issue 13): index built once in under 1 s; a lookup under 30 ms; a card with pictograms under
300 ms. The first lookup in a language also loads that language's lemma dictionary (simplemma) and indexes
the pictograms' words in that language (the index itself only reads the file), timed apart. Each figure is
the median of several runs, in a fresh process for the one-time costs. A script's scenes are pictured
together (what sets each apart, issue 24): planning a 5-scene script is timed against looking its scenes up
one by one, as a ratio.
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
    ("ja", "火山は地下のマグマが地表に噴き出すことでできる山です"),
    ("zh", "蜜蜂把花粉从一朵花带到另一朵花"),
    ("ar", "البركان يقذف الحمم الساخنة"),
    ("hi", "मधुमक्खियाँ फूलों से पराग ले जाती हैं"),
    ("ru", "Ракета летит в космос"),
]
SCRIPT = (
    "Plants make their own food from sunlight, water and air",
    "Inside each leaf, a green pigment called chlorophyll catches the sunlight",
    "Roots pull water up from the soil, through the stem, into the leaves",
    "In 1779, Dr. Jan Ingenhousz found that leaves give off oxygen, but only in sunlight",
    "The sugar feeds the plant, and the oxygen it releases is the air we breathe",
)

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
    from videocreator.images.pictograms import planned, render_pictogram
    from videocreator.images.words import scene_words

    def fresh() -> None:
        scene_words.cache_clear()
        planned.cache_clear()

    print("one-time:", {k: round(v, 3) for k, v in _once().items()}, "(seconds)")
    for language, scene in SCENES:
        pictograms(scene, language)  # loads the language's dictionary
        lookup = _median_ms(lambda s=scene, lang=language: (fresh(), pictograms(s, lang)), 20)
        print(f"lookup {language}: {lookup:.2f} ms  {[p.char for p in pictograms(scene, language)]}")

    alone = _median_ms(lambda: [(fresh(), pictograms(scene)) for scene in SCRIPT], 10)
    together = _median_ms(lambda: (fresh(), pictograms(SCRIPT[0], script=SCRIPT)), 10)
    drawn = [[p.char for p in pictograms(s, script=SCRIPT, position=n)] for n, s in enumerate(SCRIPT)]
    ratio = together / alone
    print(f"5-scene script: {together:.2f} ms planned, {alone:.2f} ms scene by scene, ratio {ratio:.2f}")
    print(f"  drawn: {drawn}")
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
