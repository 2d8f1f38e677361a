"""The studio's queues: heavy jobs (a script, every picture or voice, a render, a zip) wait in one, short
ones (a 360p preview, one scene's picture or voice) in another, each running the server's ``heavy_jobs``
at once, so a short job never waits behind a render; and the estimate a waiting visitor sees before the
queue has timed a render of its own."""

from __future__ import annotations

from typing import Any

import gradio as gr

from ..estimates import render_seconds
from ..project import Settings

HEAVY, SHORT = "heavy", "short"
# A render's length before the queue has timed one: a video of about a minute (five scenes and the cards).
FIRST_VIDEO_S = 60.0


def queue(kind: str, jobs: int) -> dict[str, Any]:
    """An event's place: the queue of its kind (``HEAVY`` or ``SHORT``), which runs ``jobs`` at once."""
    return {"concurrency_id": kind, "concurrency_limit": jobs}


def first_estimates(blocks: gr.Blocks, renders: dict[int, bool], settings: Settings) -> None:
    """Gradio tells each waiting visitor their place in the queue and, from the times of the jobs it has
    run, an estimate; before it has run one of a kind it has no estimate to give, for that kind or for
    anything waiting behind it. So each render event (``renders``: its id, and whether it is a preview)
    starts with one time: what the renderer's remembered speed on this machine says a video of
    ``FIRST_VIDEO_S`` takes at new projects' size (a preview's at 360p). Every render then timed joins it
    in Gradio's average."""
    timed = blocks._queue.process_time_per_fn  # Gradio's times of each event, read for its estimates
    for fn_id, preview in renders.items():
        seconds = render_seconds(settings, FIRST_VIDEO_S, preview=preview)
        timed[blocks.fns[fn_id]].add(seconds)
