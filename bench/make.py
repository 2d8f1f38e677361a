"""A whole make against its encode floor, in ratios measured in one run on this machine.

    python bench/make.py [--reps 3] [--reference DIR]

Times ``videocreator make TOPIC --out DIR`` (a new process each time, the offline defaults: the bundled
model writes the script, the offline illustrator draws, the bundled Piper voice speaks, 1080x1920) from
the command to its video, and the encode-only floor of that video: ffmpeg encoding exactly the frames
the renderer makes, read from a raw file, with our encoder command (as row (b) of ``render.py``). Each
make's progress lines are timed as they arrive, to say when the script was written and when the
encoder began. ``--reference DIR``: the same make by another checkout of the code (say, the commit
before a change), taken in turn with ours in each repetition, so that a slow spell weighs on both.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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


def make(code: Path, out: Path) -> Make:
    """One whole make by the code in ``code``, in a process of its own; when its milestones came."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "videocreator", "make", TOPIC, "--out", str(out)]
    started = time.perf_counter()
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
    return Make(seconds, marks.get("script", float("nan")), marks.get("encoding", float("nan")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--reference", type=Path, help="another checkout of the code, timed in turn")
    args = parser.parse_args()
    codes = {"this code": HERE, **({"reference": args.reference.resolve()} if args.reference else {})}
    made: dict[str, list[Make]] = {name: [] for name in codes}
    floors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make(HERE, root / "first")
        folder = vc.ProjectFolder.open(root / "first")
        raw = root / "frames.yuv"
        command, frames = write_frames(folder, raw)
        duration = frames / folder.project.settings.fps
        for _ in range(args.reps):
            for name, code in codes.items():
                made[name].append(make(code, root / name.replace(" ", "-")))
            read_through(raw)
            floors.append(timed(lambda: encode_from(command, raw)))
    floor = statistics.median(floors)
    rows = [("encode-only floor", f"{floor:.1f} s", "", "", "")]
    for name, runs in made.items():
        whole = statistics.median(m.seconds for m in runs)
        script = statistics.median(m.script_s for m in runs)
        encoding = statistics.median(m.encoding_s for m in runs)
        rows.append(
            (f"whole make ({name})", f"{whole:.1f} s", f"{script:.1f} s", f"{encoding:.1f} s",
             f"{whole / floor:.2f}x the floor")
        )  # fmt: skip
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    machine = f"{platform.machine()}, {settings.cores()} cores, Python {platform.python_version()}"
    report = (
        f'# Whole make\n\n`python bench/make.py --reps {args.reps}` on {machine}: "{TOPIC}", offline '
        f"defaults, {duration:.1f} s of 1080x1920 video ({frames} frames). Medians of {args.reps} runs, "
        "taken in turn with the floor in each.\n\n"
        "| what | time | script written at | encoder began at | ratio |\n|---|---|---|---|---|\n"
        f"{table}\n"
    )
    print(report)


if __name__ == "__main__":
    main()
