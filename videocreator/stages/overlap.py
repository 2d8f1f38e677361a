"""Stages side by side: the pictures are drawn (in this process) while the narrations are spoken (the
voice works in a process of its own, loading its model meanwhile), so that both cores of a small machine
work."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .. import report
from ..errors import Stopped
from ..progress import Reporter
from ..project import ProjectFolder
from ..settings import cores_taken
from ..stage import Stage
from .images import make_images
from .voice import narrate_all


def pictures_and_narrations(folder: ProjectFolder, reporter: Reporter) -> None:
    """Every picture and narration brought up to date, the pictures in a thread while the narrations
    are spoken; then How it works tells of them, if it changed. When either fails the other stops at its
    next scene, and the first failure is raised (How it works left as it was); a stop the person asked
    for names the pictures when it ended both. Where a scene has no picture yet (a make, where every
    picture is drawn), the voice speaks on a core fewer than the job has (``settings.cores_taken``), the
    one the pictures keep busy; where every scene has one, on its own threads (a few stale pictures
    finish soon, and an image maker elsewhere keeps no core busy)."""
    first_pictures = any(not scene.image for scene in folder.project.scenes)
    failures: list[BaseException] = []
    failed = threading.Event()
    pictures, narrations = (
        Reporter(part.progress, part.warning, stopping=lambda: reporter.stopping() or failed.is_set())
        for part in reporter.side_by_side(2)
    )

    def flagged(work: Callable[..., None], part: Reporter) -> None:
        try:
            work(folder, part, tell=False)  # told once, when both are done
        except BaseException as exc:
            failures.append(exc)
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pictures") as drawing:
        # The thread sees this one's context: a studio's progress and warnings reach its visitor (copied
        # before the voice's share of the cores is set: the pictures keep theirs).
        drawing.submit(contextvars.copy_context().run, flagged, make_images, pictures)
        with contextlib.suppress(Exception), cores_taken(int(first_pictures)):  # failures: raised below
            flagged(narrate_all, narrations)
    if failures:
        stops = [f for f in failures if isinstance(f, Stopped)]
        failure = next((f for f in failures if f not in stops), None)
        raise failure or min(stops, key=lambda stop: stop.stage is not Stage.IMAGES)
    if not report.is_current(folder):
        report.write_report(folder)
