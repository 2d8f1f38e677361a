"""``videocreator batch``: is ``--jobs 2`` on two cores no slower than one section at a time? And what
does a Ray cluster cost against it?

    python bench/batch.py          # --jobs 1 against --jobs 2
    python bench/batch.py --ray    # --jobs 2 against --cluster (a local Ray cluster of 2 CPUs; the extra)

Makes the same four-section course twice in fresh folders (720p, no music), once each way, in one run,
and prints both times, their ratio, and the machine they ran on (its CPUs, its load when it started).
The Ray cluster is started by this script and connected to by address, as on a real cluster: its
sections travel packed both ways, so the ratio is what the packing and Ray cost, on one machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECTION = """# {title}

{title} are worth knowing. People have studied {title} for a very long time, and they still learn
something new about them every year. Here is one thing to remember about {title} today.
"""
TITLES = ("Owls", "Tides", "Volcanoes", "Bees")


def run(how: list[str], folder: Path, course: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "videocreator", "batch", str(course), "--out", str(folder / "-".join(how)),
         *how, "--resolution", "720p", "--music", "none"],
        check=True, capture_output=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    return time.perf_counter() - started


def machine() -> str:
    """The machine's spell: its CPU, how many cores, and its load when the bench started."""
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    ) if Path("/proc/cpuinfo").is_file() else platform.processor()  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load {load}, Python {platform.python_version()}"


def local_ray() -> str:
    """A local Ray cluster of two CPUs, started after the ``--jobs`` run and stopped with the bench, with a
    token of its own (Ray's default, without one written to ~/.ray); its address."""
    import ray

    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))  # the batch, a child, gets it too
    ray.init(num_cpus=2, object_store_memory=100 * 1024**2, include_dashboard=False,
             logging_level=logging.ERROR)  # fmt: skip
    return ray.get_runtime_context().gcs_address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", action="store_true", help="--jobs 2 against a local Ray cluster")
    args = parser.parse_args()
    spell = machine()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        course = folder / "course.md"
        course.write_text("\n".join(SECTION.format(title=t) for t in TITLES))
        first = run(["--jobs", "2" if args.ray else "1"], folder, course)
        second = run(["--cluster", local_ray()] if args.ray else ["--jobs", "2"], folder, course)
    names = ["--jobs 2", "Ray (local, 2 CPUs)"] if args.ray else ["--jobs 1", "--jobs 2"]
    print(f"batch of {len(TITLES)} sections on {spell}:")
    print(f"  {names[0]} {first:.1f} s, {names[1]} {second:.1f} s, ratio {second / first:.2f}")


if __name__ == "__main__":
    main()
