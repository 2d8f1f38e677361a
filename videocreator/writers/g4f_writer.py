"""gpt4free (``g4f``): free access to many hosted chat models through community providers.

Providers come and go, so everything here expects failure: bounded retries on the retryable kinds
(rate limits, 5xx, timeouts), an immediate, named failure otherwise, and the pipeline falls back to the
offline writer. ``provider = "Custom"`` with ``base_url`` points g4f at any OpenAI-compatible server.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from ..backend import missing_packages
from ..errors import InputError
from ..registry import register
from .chat import ChatOptions, ChatWriter, Retryable, public_url


class G4FOptions(ChatOptions):
    model: str = Field("", description="Model name (empty: g4f picks one)")
    provider: str = Field("", description="g4f provider class name, e.g. PollinationsAI (empty: automatic)")
    base_url: str = Field("", description="Server URL, for provider 'Custom' (an OpenAI-compatible server)")


def _status(exc: Exception) -> int | None:
    found = re.search(r"\b([45]\d\d)\b", str(exc))
    return int(found.group(1)) if found else None


@register
class G4FWriter(ChatWriter):
    name = "g4f"
    description = "gpt4free: hosted chat models through community providers (online, no key)"
    provider_label = "g4f"
    Options = G4FOptions

    @classmethod
    def readiness(cls) -> str | None:
        if missing_packages("g4f"):
            return "needs the g4f package: pip install g4f"
        return None

    def settings_key(self) -> dict[str, Any]:
        return {**super().settings_key(), "base_url": self.options.base_url}

    def _provider(self) -> Any:
        if not self.options.provider:
            return None
        import g4f.Provider

        provider = getattr(g4f.Provider, self.options.provider, None)
        if provider is None:
            raise InputError(
                f"g4f has no provider named {self.options.provider!r}",
                stage=self.stage,
                provider=self.provider_label,
            )
        return provider

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        from g4f import errors
        from g4f.client import Client

        provider = self._provider()
        self.provider_label = f"g4f/{self.options.provider}" if self.options.provider else "g4f"
        kwargs: dict[str, Any] = {"timeout": self.options.timeout, "temperature": self.options.temperature}
        if self.options.base_url:
            kwargs["base_url"] = self.options.base_url
        self.sent.append(
            {"provider": self.options.provider or "automatic", "model": self.options.model or "g4f's choice",
             "temperature": self.options.temperature, "json": "json"}
            | ({"url": public_url(self.options.base_url)} if self.options.base_url else {})
        )  # fmt: skip
        try:
            response = Client(provider=provider).chat.completions.create(
                messages=messages,
                model=self.options.model,
                response_format={"type": "json_object"},
                **kwargs,
            )
        except (errors.RateLimitError, errors.TimeoutError, TimeoutError) as exc:
            raise Retryable(f"{type(exc).__name__}: {str(exc)[:160]}", 2.0) from None
        except (errors.MissingAuthError, errors.PaymentRequiredError, errors.ModelNotFoundError) as exc:
            raise self._fail(f"{type(exc).__name__}: {str(exc)[:160]}") from None
        except Exception as exc:  # g4f wraps many transports; classify by what it says
            status = _status(exc)
            if status is not None and (status == 429 or status >= 500):
                raise Retryable(f"HTTP {status}: {str(exc)[:160]}", 2.0) from None
            raise self._fail(f"{type(exc).__name__}: {str(exc)[:200] or 'no details'}") from None
        content = response.choices[0].message.content if response.choices else ""
        return content if isinstance(content, str) else str(content or "")
