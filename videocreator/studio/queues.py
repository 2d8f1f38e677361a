"""The studio's queues: heavy jobs (a script, every picture or voice, a render, a zip) wait in one, short
ones (a 360p preview, one scene's picture or voice) in another, so a short job never waits behind a
render, and heavy jobs run at a lower CPU priority, so a short one also gets the cores first; and the
estimate a waiting visitor sees before the queue has timed a job of the kind they wait for, or of the
kind running ahead of them."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import gradio as gr

from .. import worker
from ..pipeline import render_seconds
from ..project import Settings

HEAVY, SHORT = "heavy", "short"
# A render's length before the queue has timed one: a video of about a minute (five scenes and the cards).
FIRST_VIDEO_S = 60.0
# The first time of each job but a render, before the queue has timed one of its kind: a guess, in seconds,
# for a project of about five scenes with the offline backends on two cores (measured there through the
# studio: pictures 5.2 s, Piper's voice 9.0 s with its model's load, a template script 0.7 s; a model's
# script is guessed at 10 s); only what a visitor is told until the first real time replaces it.
FIRST_GUESS_S = {
    "write_script": 10.0,
    "make_images": 5.0,
    "narrate_all": 10.0,
    "open_zip": 5.0,
    "add_voice": 30.0,  # a Piper voice of about 60 MB downloaded
    "regenerate_image": 2.0,
    "upload_image": 1.0,
    "narrate_scene": 3.0,
}
RENDER, PREVIEW = "render", "preview"
HEAVY_NICENESS = 10  # how much lower a heavy job's CPU priority is (of nice's 40 steps)


def queue(kind: str, jobs: int) -> dict[str, Any]:
    """An event's place: the queue of its kind (``HEAVY`` or ``SHORT``), which runs ``jobs`` at once."""
    return {"concurrency_id": kind, "concurrency_limit": jobs}


def yielding(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` run in a thread of its own at a lower CPU priority, which the processes it starts
    (ffmpeg) inherit: the short jobs, at the server's own priority, get the cores first, so a preview asked
    during a render takes about what it takes alone, and the render is later by the preview's CPU time.
    But a model's worker process (Piper's voice, a local writer's model) serves every job after the one
    that started it, short ones too: it starts at the server's priority (``worker.launch_from_here``,
    before the priority is lowered), and what a heavy job asks of it runs there. On Linux, where a
    thread has a priority of its own (elsewhere it runs as it is)."""
    if not sys.platform.startswith("linux"):
        return handler

    @functools.wraps(handler)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        worker.launch_from_here()
        outcome: dict[str, Any] = {}
        context = contextvars.copy_context()  # Gradio's progress and request travel in context variables

        def run() -> None:
            thread = threading.get_native_id()
            with contextlib.suppress(OSError):
                niceness = os.getpriority(os.PRIO_PROCESS, thread) + HEAVY_NICENESS
                os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))
            try:
                outcome["value"] = context.run(handler, *args, **kwargs)
            except BaseException as exc:  # raised again in the caller's thread, as if it ran there
                outcome["error"] = exc

        heavy = threading.Thread(target=run, name=f"heavy {handler.__name__}")
        heavy.start()
        heavy.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return wrapped


def first_seconds(job: str, settings: Settings) -> float:
    """How long ``job`` (``RENDER``, ``PREVIEW`` or a key of ``FIRST_GUESS_S``) takes before the queue has
    timed one: a render's time from the renderer's remembered speed on this machine for a video of
    ``FIRST_VIDEO_S`` at new projects' size (a preview's at 360p); another job's is a guess."""
    if job in (RENDER, PREVIEW):
        return render_seconds(settings, FIRST_VIDEO_S, preview=job == PREVIEW)
    return FIRST_GUESS_S[job]


def first_estimates(blocks: gr.Blocks, jobs: dict[int, str], settings: Settings) -> None:
    """Gradio tells each waiting visitor their place in the queue and, from the times of the jobs it has
    run, an estimate; before it has run one of a kind it has no estimate to give, for that kind or for
    anything waiting behind it. So each event of the two queues (``jobs``: its id, and the job it runs)
    starts with its job's ``first_seconds`` as its average of no runs yet: the first run Gradio times
    replaces it, and the average of the real ones follows."""
    timed = blocks._queue.process_time_per_fn  # Gradio's times of each event, read for its estimates
    for fn_id, job in jobs.items():
        timed[blocks.fns[fn_id]].avg_time = first_seconds(job, settings)
