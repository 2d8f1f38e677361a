"""What running a model in its own process costs, measured on this machine (never asserted in a test).

    python bench/worker.py [--reps 5]

For the bundled writer (a 5-scene script of Gemma 3 270M on llama.cpp) and the bundled Piper voice (one
scene's narration), times the same job, as medians over ``--reps`` runs, called in this process on a model
loaded here, and run in a ``ModelWorker`` whose model is already loaded (a load happens once per worker and
is not counted). The two are interleaved run by run, so a spell of the machine touches both alike.
Target: the worker at most 5% over in-process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videocreator import settings
from videocreator.backend import ScriptRequest
from videocreator.stage import Stage
from videocreator.voices import piper
from videocreator.worker import ModelWorker
from videocreator.writers import local_llm

NARRATION = (
    "Sunlight looks white, but it is really a mix of every colour of light. When it meets the air, the "
    "blue part is scattered the most, so the whole sky glows blue above us."
)


def case(
    name: str, load: Callable[..., Any], load_args: tuple[Any, ...], job: Callable[..., Any],
    args: tuple[Any, ...], stage: Stage, reps: int,
) -> tuple[str, float, float]:  # fmt: skip
    model = load(*load_args)
    worker = ModelWorker(load, *load_args, stage=stage, provider=name)
    worker.run(job, *args, budget_s=600)  # starts the process and loads its model
    inside, apart = [], []
    for _ in range(reps):
        started = time.perf_counter()
        job(model, *args)
        inside.append(time.perf_counter() - started)
        started = time.perf_counter()
        worker.run(job, *args, budget_s=600)
        apart.append(time.perf_counter() - started)
    worker.stop()
    return name, statistics.median(inside), statistics.median(apart)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    writer = local_llm.LocalWriter()
    request = ScriptRequest(topic="Why the sky is blue", scenes=5)
    voice = str(piper.PiperNarrator().model_path())
    rows = [
        case(
            "script (local, 5 scenes)", local_llm.load_model, (str(writer.model_path()), 0),
            local_llm.write_lines, (request, writer.options), Stage.SCRIPT, args.reps,
        ),
        case(
            "narration (piper, 1 scene)", piper.load_voice, (voice, settings.job_cores()),
            piper.speak, (NARRATION, 1.0, None, piper.SENTENCE_PAUSE_S), Stage.VOICE, args.reps,
        ),
    ]  # fmt: skip
    print(f"| job | in-process | in its worker | worker / in-process |  (median of {args.reps})")
    print("|---|---|---|---|")
    for name, inside, apart in rows:
        print(f"| {name} | {inside * 1000:.0f} ms | {apart * 1000:.0f} ms | {apart / inside:.3f} |")


if __name__ == "__main__":
    main()
