"""The few errors a user sees. Anything else escaping the library is a bug."""

from __future__ import annotations

from typing import Any

from .stage import Stage


class VideoCreatorError(Exception):
    """Base of every error meant for a person: one line, naming the stage (and provider) and the cause.
    Errors outside the stages (a project file, a setting, a zip) have no stage; their message names it."""

    def __init__(self, message: str, *, stage: Stage | None = None, provider: str | None = None):
        self.stage = None if stage is None else Stage(stage)
        self.provider = provider
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.stage or ""
        if self.provider:
            where = f"{where} ({self.provider})" if where else self.provider
        return f"{where}: {self.detail}" if where else self.detail


class InputError(VideoCreatorError):
    """The user gave something we cannot use (empty topic, broken upload, unknown option...)."""


class BackendUnavailable(VideoCreatorError):
    """A backend cannot run here: a package, a model file, the network or a key is missing."""


class ProviderFailed(VideoCreatorError):
    """A backend ran and failed (timeout, junk reply, crash in the model)."""


class Stopped(VideoCreatorError):
    """The person stopped a long step; what was finished is kept, so running it again continues."""

    def __init__(self, stage: Stage):
        super().__init__("stopped; the finished pieces are kept and the next run continues", stage=stage)


class DiskFull(VideoCreatorError):
    """The disk filled up while writing; every finished piece is kept, so a re-run continues."""

    def __init__(self, where: str | None, *, stage: Stage | None):
        where = f" ({where})" if where else ""
        super().__init__(f"the disk is full{where}: free some space and run again", stage=stage)


def invalid(exc: Any, *, every: bool = False) -> str:
    """A pydantic ``ValidationError`` as one line: ``where: what`` for the first problem (or all)."""
    problems = exc.errors() if every else exc.errors()[:1]
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in problems)
