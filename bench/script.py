"""The script stage of the bundled writer (Gemma 3 270M on llama.cpp, 5 scenes), measured on this machine
(never asserted in a test).

    python bench/script.py [--reps 5] [--threads 0] [--topic "Why the sky is blue"] [--profile]

Times ``local_llm.write_lines``, the job the model's process runs, against the writer as it was before its
lines were written under token rules (llama.cpp's grammar sampler and a next-token probe called at every
token): that version is read from git (the parent of the commit that removed its grammar) and run on the
same loaded model, the two interleaved run by run so that a spell of the machine touches both alike. Each
run starts as a worker's second script does: the example scripts already read, the topic not. Prints,
per version, the median seconds and the tries, tokens written and scenes kept, then what a fresh worker
pays once: loading the model, reading the examples (or taking the state after them from the disk, as a
worker does once one has kept it), sorting the vocabulary for the rules.
``--profile`` adds the functions each version spends its time in (cProfile, one run each).
Target: 5 scenes under 5 s on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videocreator import settings
from videocreator.backend import ScriptRequest
from videocreator.writers import llama_lines, llama_memory, local_llm

ROOT = Path(__file__).resolve().parent.parent
MODULE = "videocreator/writers/local_llm.py"


def baseline() -> tuple[str, ModuleType]:
    """The writer as it was before its grammar was removed, imported from git (not registered)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    removed = git("log", "-1", "--format=%H", "-S", "GRAMMAR_EN", "--", MODULE).strip()
    commit = git("rev-parse", "--short", f"{removed}^").strip()
    source = git("show", f"{commit}:{MODULE}").replace("@register\n", "")
    name = "videocreator.writers.baseline_local_llm"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "videocreator.writers"
    sys.modules[name] = module
    exec(compile(source, f"{commit}:{MODULE}", "exec"), module.__dict__)
    return commit, module


def examples_read(llm: Any) -> float:
    """Forget what the model read, then read the example scripts (as a worker has, after its first script)."""
    examples = local_llm.example_scripts()
    llm.reset()
    started = time.perf_counter()
    llm.eval(llm.tokenize(examples.encode("utf-8"), add_bos=True, special=False))
    return time.perf_counter() - started


def examples_taken(llm: Any) -> float:
    """Forget what the model read, then take its state after the example scripts from the disk (as a new
    worker does, once one has kept it)."""
    tokens = llm.tokenize(local_llm.example_scripts().encode("utf-8"), add_bos=True, special=False)
    document = [*tokens, *llm.tokenize(b"Video", add_bos=False)]
    llm.reset()
    llama_memory.evaluate(llm, document, shared=len(tokens))
    llm.reset()
    started = time.perf_counter()
    taken = llama_memory.evaluate(llm, document, shared=len(tokens))
    seconds = time.perf_counter() - started
    assert taken == 1, "the state was read again, not taken"
    return seconds


def run(llm: Any, writer: ModuleType, request: ScriptRequest) -> dict[str, Any]:
    examples_read(llm)
    started = time.perf_counter()
    reply = writer.write_lines(llm, request, writer.LocalOptions())
    seconds = time.perf_counter() - started
    log = reply["log"]
    tokens = sum(e.get("tokens") or len(llm.tokenize(e["raw"].encode(), add_bos=False)) for e in log)
    return {
        "s": seconds,
        "tries": len(log),
        "tokens": tokens,
        "kept": sum(1 for line in reply["lines"] if line),
    }


def profile(llm: Any, writer: ModuleType, request: ScriptRequest, label: str) -> None:
    examples_read(llm)
    profiler = cProfile.Profile()
    profiler.runcall(writer.write_lines, llm, request, writer.LocalOptions())
    print(f"\n{label}: where the time goes (cProfile, by own time)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=0, help="the writer's threads option (0: the cores of one heavy job)"
    )
    parser.add_argument("--topic", default="Why the sky is blue")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    commit, old = baseline()
    request = ScriptRequest(topic=args.topic, scenes=5)
    started = time.perf_counter()
    llm = local_llm.load_model(str(local_llm.bundled_model()), args.threads or settings.job_cores())
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    llama_lines.vocabulary(llm, llama_lines.rules_for(request.language))
    sort_s = time.perf_counter() - started
    read_s = examples_read(llm)
    kept_s = examples_taken(llm)
    rows: dict[str, list[dict[str, Any]]] = {f"before ({commit}, grammar)": [], "now (token rules)": []}
    for _ in range(args.reps):
        for results, writer in zip(rows.values(), (old, local_llm), strict=True):
            results.append(run(llm, writer, request))
    print(
        f"`python bench/script.py --reps {args.reps} --threads {args.threads}`: {request.scenes} scenes of "
        f'"{request.topic}", {llm.n_threads} threads ({llm.n_threads_batch} reading), median of {args.reps}\n'
    )
    print("| writer | script | tries | tokens written | scenes kept | runs (s) |")
    print("|---|---|---|---|---|---|")
    medians = []
    for label, results in rows.items():
        medians.append(statistics.median(r["s"] for r in results))
        runs = " ".join(f"{r['s']:.1f}" for r in results)
        middle = sorted(results, key=lambda r: r["s"])[len(results) // 2]
        counts = f"{middle['tries']} | {middle['tokens']} | {middle['kept']}"
        print(f"| {label} | {medians[-1]:.2f} s | {counts} | {runs} |")
    print(f"\nbefore / now: {medians[0] / medians[1]:.2f}")
    print(
        f"once per worker: load {load_s:.2f} s, examples read {read_s:.2f} s (or their state taken from the "
        f"disk: {kept_s:.3f} s), vocabulary {sort_s:.2f} s"
    )
    if args.profile:
        profile(llm, old, request, "before")
        profile(llm, local_llm, request, "now")


if __name__ == "__main__":
    main()
