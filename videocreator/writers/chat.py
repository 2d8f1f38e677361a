"""What every chat-model writer shares: the conversation, retries, JSON repair, and honest errors.

A subclass only says how to send one conversation (``complete``) and which failures are worth another
try (``retry_after``). The rest is here: ask for JSON in the script schema, retry retryable failures a
bounded number of times (honouring Retry-After), re-ask once when the reply does not parse, and fail with
a message naming the provider, so the pipeline can say why and fall back to the next writer.

The trace keeps what a class may see of the exchange: each request's settings (never its headers), the
messages and the replies, with every secret the environment holds (API keys, tokens) hidden.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field

from ..backend import Options, Script, ScriptRequest, ScriptWriter
from ..errors import ProviderFailed
from ..redaction import hide_secrets, secret_values
from . import parsing

MAX_WAIT_S = 20.0


def public_url(url: str) -> str:
    """``url`` without a user name, password, query or fragment (where keys may hide)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))


class ChatOptions(Options):
    model: str = Field("", description="Model id (empty: the provider's default)")
    timeout: float = Field(60.0, gt=0, le=600, description="Seconds to wait for one reply")
    retries: int = Field(2, ge=0, le=5, description="Further tries after a retryable failure")
    temperature: float = Field(0.7, ge=0.0, le=2.0)


class Retryable(Exception):
    """A failure worth another try, after ``wait`` seconds."""

    def __init__(self, reason: str, wait: float = 1.0):
        super().__init__(reason)
        self.wait = wait


class ChatWriter(ScriptWriter):
    needs_network: ClassVar[bool] = True
    provider_label: ClassVar[str] = "chat"

    def __init__(self, options: Options | None = None):
        super().__init__(options)
        # The settings of each request sent (model, format asked for; never headers or keys), for the trace.
        self.sent: list[dict[str, Any]] = []

    def secrets(self) -> set[str]:
        """Values the trace must never show (the environment's keys, and any this writer was given)."""
        return secret_values()

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        """Send the conversation, return the reply text. Raise Retryable or ProviderFailed."""
        raise NotImplementedError

    def _fail(self, reason: str) -> ProviderFailed:
        return ProviderFailed(reason, stage=self.stage, provider=self.provider_label)

    def _complete_with_retries(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        tries = self.options.retries + 1
        for attempt in range(tries):
            try:
                return self.complete(messages, schema)
            except Retryable as exc:
                if attempt == tries - 1:
                    raise self._fail(f"{exc} (gave up after {tries} tries)") from None
                time.sleep(min(MAX_WAIT_S, max(0.0, exc.wait)))
        raise AssertionError("unreachable")

    def write(self, request: ScriptRequest) -> Script:
        messages = parsing.chat_messages(request)
        schema = parsing.script_schema(request.scenes)
        started = time.monotonic()
        self.sent.clear()  # this script's requests only
        replies = [self._complete_with_retries(messages, schema)]
        try:
            script = parsing.parse_script(replies[0], request, provider=self.provider_label)
        except ProviderFailed as problem:
            # One repair round: show the model its reply and what was wrong with it.
            messages = [
                *messages,
                {"role": "assistant", "content": replies[0][:4000]},
                {"role": "user", "content": f"That reply was not usable ({problem.detail}). "
                 "Answer again with only the JSON object, exactly as specified."},
            ]  # fmt: skip
            replies.append(self._complete_with_retries(messages, schema))
            try:
                script = parsing.parse_script(replies[-1], request, provider=self.provider_label)
            except ProviderFailed as again:
                raise self._fail(f"the reply was not a usable script twice: {again.detail}") from None
        trace = {
            "provider": self.provider_label,
            "model": self.options.model,
            "requests": self.sent,
            "messages": messages,
            "raw_replies": replies,
            "seconds": round(time.monotonic() - started, 2),
        }
        script.trace.update(hide_secrets(trace, self.secrets()))
        return script
