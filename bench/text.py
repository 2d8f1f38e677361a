"""Speed of turning a person's text into scenes, measured on this machine (never asserted in a test).

    python bench/text.py [--words 20000] [--reps 3]

Builds a Markdown text of about ``--words`` words from the project's README (real prose, a heading
every eight paragraphs, each copy numbered so no two sentences are the same) and times, as medians:
parsing the Markdown, splitting it into sentences (pysbd), ranking the sentences (LexRank) and choosing
a minute's worth, planning the scenes, the whole condense write (with the YAKE image prompts), and the
as-written write refusing the text as too long. Target: splitting plus condensing under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from videocreator.backend import ScriptRequest
from videocreator.errors import InputError
from videocreator.limits import MAX_SCENES
from videocreator.source.condense import select
from videocreator.source.document import blocks
from videocreator.source.scenes import plan, rejoin, units_of
from videocreator.writers.own_text import OwnTextWriter

ROOT = Path(__file__).resolve().parent.parent
PACE = 2.5
LENGTH_S = 60.0


def sample_text(words: int) -> str:
    paragraphs = [b.text for b in blocks((ROOT / "README.md").read_text()) if not b.is_heading]
    parts: list[str] = []
    count = 0
    copy = 0
    while count < words:
        copy += 1
        for number, paragraph in enumerate(paragraphs):
            if number % 8 == 0:
                parts.append(f"## Part {copy}.{number // 8 + 1}")
            parts.append(f"In copy {copy}, {paragraph[0].lower()}{paragraph[1:]}")
            count += len(parts[-1].split())
            if count >= words:
                break
    return "\n\n".join(parts)


def median_time(action: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def refuse(request: ScriptRequest) -> None:
    try:
        OwnTextWriter().write(request)
    except InputError:
        return
    raise AssertionError("a text this long should be refused as written")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    text = sample_text(args.words)
    parsed = blocks(text)
    units = units_of(parsed, "en")
    words = sum(u.words for u in units)
    target = round(LENGTH_S * PACE)
    chosen = select([u.text for u in units], [u.words for u in units], target, "en")
    kept = rejoin(units, chosen.kept)
    rows = [
        ("parse the Markdown (markdown-it-py)", median_time(lambda: blocks(text), args.reps)),
        ("split into sentences (pysbd)", median_time(lambda: units_of(parsed, "en"), args.reps)),
        (
            "rank (LexRank) and choose 60 s",
            median_time(
                lambda: select([u.text for u in units], [u.words for u in units], target, "en"), args.reps
            ),
        ),
        ("plan the scenes", median_time(lambda: plan(kept, PACE, MAX_SCENES), args.reps)),
        (
            "whole condense write (with prompts)",
            median_time(
                lambda: OwnTextWriter().write(
                    ScriptRequest(topic="", scenes=MAX_SCENES, text=text, mode="condense", length_s=LENGTH_S)
                ),
                args.reps,
            ),
        ),
        (
            "as-written, refused as too long",
            median_time(lambda: refuse(ScriptRequest(topic="", scenes=MAX_SCENES, text=text)), args.reps),
        ),
    ]
    print(f"text: {words:,} words, {len(units):,} sentences, {len(text):,} characters")
    print(f"condensed to {chosen.chosen_words} words (target {target}) in {len(chosen.kept)} sentences\n")
    print(f"| step | seconds (median of {args.reps}) |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} |")
    print(f"\nsplitting + condensing: {rows[1][1] + rows[2][1]:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
