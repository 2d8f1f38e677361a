"""The few errors a user sees. Anything else escaping the library is a bug."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from .stage import Stage

# An absolute path in a message: a slash not inside a word, a URL or a fraction, and what follows it.
_SERVER_PATH = re.compile(r"(?<![\w.:/])/[^\s'\"()|,;]+")
_TOKEN = re.compile(r"[\w-]{16,}")  # a session's folder (or another unguessable name)


class VideoCreatorError(Exception):
    """Base of every error meant for a person: one line, naming the stage (and provider) and the cause.
    Errors outside the stages (a project file, a setting, a zip) have no stage; their message names it."""

    def __init__(self, message: str, *, stage: Stage | None = None, provider: str | None = None):
        self.stage = None if stage is None else Stage(stage)
        self.provider = provider
        self.detail = message
        super().__init__(self._format(self.detail))

    def _format(self, detail: str) -> str:
        where = self.stage or ""
        if self.provider:
            where = f"{where} ({self.provider})" if where else self.provider
        return f"{where}: {detail}" if where else detail

    def for_visitors(self) -> str:
        """The message for the visitors of a public server: one line naming the stage and the problem,
        without the server's paths or a tool's own output (the whole message is for the server's log)."""
        first_line = next(iter(self.visitor_detail().strip().splitlines()), "")
        return self._format(without_server_paths(first_line))

    def visitor_detail(self) -> str:
        return self.detail


class InputError(VideoCreatorError):
    """The user gave something we cannot use (empty topic, broken upload, unknown option...)."""


class BackendUnavailable(VideoCreatorError):
    """A backend cannot run here: a package, a model file, the network or a key is missing."""


class ProviderFailed(VideoCreatorError):
    """A backend ran and failed (timeout, junk reply, crash in the model)."""

    def visitor_detail(self) -> str:
        """What failed, without the tool's own words after it ("encoding scene 2 failed: <ffmpeg's>")."""
        return re.split(r"(?<=failed): ", self.detail, maxsplit=1)[0]


class Stopped(VideoCreatorError):
    """The person stopped a long step; what was finished is kept, so running it again continues."""

    def __init__(self, stage: Stage):
        super().__init__("stopped; the finished pieces are kept and the next run continues", stage=stage)


class NoRoom(InputError):
    """Too little free disk to start a render that would fill it half way (refused before any work)."""


class DiskFull(VideoCreatorError):
    """The disk filled up while writing; every finished piece is kept, so a re-run continues. ``where`` is
    the file being written, or the tool that stopped (named to the person, not to a server's visitors)."""

    def __init__(self, where: str | None, *, stage: Stage | None):
        self.where = where
        named = f" ({where})" if where else ""
        super().__init__(f"the disk is full{named}: free some space and run again", stage=stage)

    def visitor_detail(self) -> str:
        return "the server's disk is full; what was finished is kept: please try again later"


def without_server_paths(message: str) -> str:
    """``message`` with each absolute path shortened to its last part (a file's name), never a folder
    of the server nor an unguessable name."""

    def shown(match: re.Match[str]) -> str:
        name = PurePosixPath(match.group()).name
        return f"…/{name}" if name and not _TOKEN.fullmatch(name) else "…"

    return _SERVER_PATH.sub(shown, message)


def invalid(exc: Any, *, every: bool = False) -> str:
    """A pydantic ``ValidationError`` as one line: ``where: what`` for the first problem (or all)."""
    problems = exc.errors() if every else exc.errors()[:1]
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in problems)
