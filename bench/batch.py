"""``videocreator batch``: is ``--jobs 2`` on two cores no slower than one section at a time?

    python bench/batch.py

Makes the same four-section course twice in fresh folders (720p, no music), once with ``--jobs 1`` and
once with ``--jobs 2``, and prints both times and their ratio.
"""

from __future__ import annotations

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


def run(jobs: int, folder: Path, course: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "videocreator", "batch", str(course), "--out", str(folder / f"jobs{jobs}"),
         "--jobs", str(jobs), "--resolution", "720p", "--music", "none"],
        check=True, capture_output=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        course = folder / "course.md"
        course.write_text("\n".join(SECTION.format(title=t) for t in TITLES))
        one, two = run(1, folder, course), run(2, folder, course)
    sections = len(TITLES)
    print(f"batch of {sections} sections: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s, ratio {two / one:.2f}")


if __name__ == "__main__":
    main()
