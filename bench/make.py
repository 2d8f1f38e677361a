"""A whole make against its encode floor, in ratios measured in one run on this machine.

    python bench/make.py [--reps 3] [--reference DIR]

Times ``videocreator make TOPIC --out DIR`` (a new process each time, the offline defaults: the bundled
model writes the script, the offline illustrator draws, the bundled Piper voice speaks, 1080x1920) from
the command to its video, and the encode-only floor of that video: ffmpeg encoding exactly the frames
the renderer makes, read from a raw file, with our encoder command (as row (b) of ``render.py``). Each
make's progress lines are timed as they arrive, to say when the script was written and when the
encoder began. ``--reference DIR``: the same make by another checkout of the code (say, the commit
before a change), taken in turn with ours in each repetition, so that a slow spell weighs on both, and
first in every other one.

Each row also gives the CPU time it took (its processes and theirs, user and system) and that time shared
over this machine's cores: the least it could take in wall time with every core kept busy from its start
to its end, whatever ran side by side. Where that bound is itself far above the floor, the rest is work
to cut, not waiting to overlap.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import videocreator as vc
from bench.render import encode_from, read_through, timed, write_frames
from videocreator import settings

TOPIC = "Why the sky is blue"
HERE = Path(__file__).resolve().parent.parent
PROGRESS = re.compile(r"^\s*\d+% (.*)$")
ENCODING = re.compile(r"rendering \d+ frames")  # said as the encoder is handed its first frame


@dataclass(frozen=True)
class Make:
    seconds: float
    script_s: float  # when the script was written
    encoding_s: float  # when the encoder began its first frame
    cpu_s: float  # user and system time of the make's processes


def children_cpu() -> float:
    """The CPU time of this process's ended children (and of theirs, each waited for), so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_timed(action: Callable[[], object]) -> tuple[float, float]:
    """``action()``'s wall time and the CPU time of the processes it ran."""
    cpu = children_cpu()
    return timed(action), children_cpu() - cpu


def make(code: Path, out: Path) -> Make:
    """One whole make by the code in ``code``, in a process of its own; when its milestones came."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "videocreator", "make", TOPIC, "--out", str(out)]
    started, cpu = time.perf_counter(), children_cpu()
    marks: dict[str, float] = {}
    with subprocess.Popen(
        command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            found = PROGRESS.match(line)
            if found is None:
                continue
            said = found.group(1)
            if said.startswith("script written"):
                marks.setdefault("script", time.perf_counter() - started)
            elif ENCODING.match(said):
                marks.setdefault("encoding", time.perf_counter() - started)
    if proc.returncode != 0:
        raise SystemExit(f"make failed in {code} (exit {proc.returncode})")
    seconds = time.perf_counter() - started
    script, encoding = marks.get("script", float("nan")), marks.get("encoding", float("nan"))
    return Make(seconds, script, encoding, children_cpu() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--reference", type=Path, help="another checkout of the code, timed in turn")
    args = parser.parse_args()
    codes = {"this code": HERE, **({"reference": args.reference.resolve()} if args.reference else {})}
    made: dict[str, list[Make]] = {name: [] for name in codes}
    floors: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make(HERE, root / "first")
        folder = vc.ProjectFolder.open(root / "first")
        raw = root / "frames.yuv"
        command, frames = write_frames(folder, raw)
        duration = frames / folder.project.settings.fps
        for rep in range(args.reps):
            # Each code first in every other repetition: the first make after the floor's encode runs
            # in another state of the machine (the same code, first and second: 27.0 s against 28.6 s).
            for name, code in list(codes.items())[:: -1 if rep % 2 else 1]:
                made[name].append(make(code, root / name.replace(" ", "-")))
            read_through(raw)
            floors.append(cpu_timed(lambda: encode_from(command, raw)))
    cores = settings.cores()
    floor, floor_cpu = (statistics.median(f[n] for f in floors) for n in (0, 1))
    rows = [
        ("encode-only floor", f"{floor:.1f} s", "", "", f"{floor_cpu:.1f} s",
         f"{floor_cpu / cores:.1f} s", "1.00x")
    ]  # fmt: skip
    for name, runs in made.items():
        whole, script, encoding, cpu = (
            statistics.median(getattr(m, part) for m in runs)
            for part in ("seconds", "script_s", "encoding_s", "cpu_s")
        )
        rows.append(
            (f"whole make ({name})", f"{whole:.1f} s", f"{script:.1f} s", f"{encoding:.1f} s",
             f"{cpu:.1f} s", f"{cpu / cores:.1f} s ({cpu / cores / floor:.2f}x the floor)",
             f"{whole / floor:.2f}x the floor")
        )  # fmt: skip
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    machine = f"{platform.machine()}, {settings.cores()} cores, Python {platform.python_version()}"
    report = (
        f'# Whole make\n\n`python bench/make.py --reps {args.reps}` on {machine}: "{TOPIC}", offline '
        f"defaults, {duration:.1f} s of 1080x1920 video ({frames} frames). Medians of {args.reps} runs, "
        "taken in turn (each first in every other) with the floor in each.\n\n"
        "| what | time | script written at | encoder began at | CPU time | CPU time / cores | ratio |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{table}\n"
    )
    print(report)


if __name__ == "__main__":
    main()
