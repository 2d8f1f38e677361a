"""What a make does ahead, beside its script: while the script is written (on the machine's other core, or
between its tokens), the narrator and the image maker load what their first call needs (``Backend.warm``:
the voice's process and model, the word lists), so that the pictures and narrations start at once."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from ..errors import VideoCreatorError
from ..project import ProjectFolder
from .choosing import image_maker, narrator

log = logging.getLogger(__name__)


def _warm(folder: ProjectFolder) -> None:
    language = folder.project.language
    for backend_of in (narrator, image_maker):  # the voice's process first: it loads on its own
        try:
            backend_of(folder).warm(language)
        except (VideoCreatorError, OSError) as exc:  # met again, and said, by the stage itself
            log.info("not loaded ahead: %s", exc)


@contextlib.contextmanager
def warming(folder: ProjectFolder) -> Iterator[None]:
    """The project's narrator and image maker warmed in a thread while the body runs; on leaving, waits
    for that thread (its loads take about a second)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm") as pool:
        pool.submit(contextvars.copy_context().run, _warm, folder)
        yield
