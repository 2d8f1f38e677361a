"""How a handler of the page runs: holding its session's project while it changes it, a full disk as a
message, and the library's errors as one line naming the stage (a bug's traceback goes to the log)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr

from .. import registry
from ..errors import BackendUnavailable, ProviderFailed, Stopped, VideoCreatorError
from ..files import full_disk_is
from ..limits import Limits
from ..stage import CHOSEN, Stage

if TYPE_CHECKING:
    from .handlers import Studio

log = logging.getLogger("videocreator.studio")
Handler = Callable[..., Any]


def studio_step(stage: Stage | None, *, writes: bool = True) -> Callable[[Handler], Handler]:
    """A handler of the page for ``stage``: while it changes its session's project it holds it (a change
    meanwhile is refused, naming this one), a full disk is a message, and errors reach the visitor as one
    line naming the stage, never a traceback (a bug's goes to the server's log)."""

    def decorate(handler: Handler) -> Handler:
        what = handler.__name__.replace("_", " ")

        @functools.wraps(handler)
        def wrapped(studio: Studio, session: str | None, *args: Any, **kwargs: Any) -> Any:
            try:
                with studio.store.writing(session if writes else None, what), full_disk_is(stage):
                    return handler(studio, session, *args, **kwargs)
            except gr.Error:
                raise
            except VideoCreatorError as exc:
                raise visitors_error(exc, studio.limits) from None
            except Exception:  # a bug: the visitor gets a message, the operator the traceback
                log.exception("%s failed", what)
                raise gr.Error(
                    f"{stage or 'project'}: something went wrong on the server; what was finished is kept. "
                    "Please report it: the server's log has the details."
                ) from None

        return wrapped

    return decorate


def visitors_error(exc: VideoCreatorError, limits: Limits) -> gr.Error:
    """The library's error as the visitor sees it: on a public server without the server's paths or a
    tool's own output, which go to the server's log; a failed model names the offline backend to use."""
    message = str(exc)
    if limits.public:
        log.warning("%s", message)
        message = exc.for_visitors()
    if isinstance(exc, BackendUnavailable | ProviderFailed):
        message += _offline_hint(exc)
    return gr.Error(message, title="Stopped") if isinstance(exc, Stopped) else gr.Error(message)


def _offline_hint(exc: VideoCreatorError) -> str:
    """When a model backend fails, name the offline one that works in its place."""
    fallback = registry.default_name(exc.stage) if exc.stage in CHOSEN else None
    return (
        f". The offline {fallback!r} backend works here: choose it in this step."
        if (fallback and fallback != exc.provider)
        else ""
    )
