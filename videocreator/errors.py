"""The few errors a user sees. Anything else escaping the library is a bug."""

from __future__ import annotations


class VideoCreatorError(Exception):
    """Base of every error meant for a person: one line, naming the stage and the cause."""

    def __init__(self, message: str, *, stage: str | None = None, provider: str | None = None):
        self.stage = stage
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
