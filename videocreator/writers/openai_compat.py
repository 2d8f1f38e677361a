"""Any server that speaks OpenAI's chat-completions API: OpenAI, Ollama, LM Studio, vLLM, llama.cpp's server.

The API key is read from the environment variable named by ``api_key_env`` (never from the project file);
local servers need none. The reply is requested as JSON in the script's schema where the server supports
structured output, with a plain JSON-object request as the fallback for servers that refuse the schema.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field

from ..backend import missing_packages
from ..errors import BackendUnavailable
from ..redaction import secret_values
from ..registry import register
from .chat import ChatOptions, ChatWriter, Retryable, public_url

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIOptions(ChatOptions):
    model: str = Field("gpt-4o-mini", description="Model id, e.g. gpt-4o-mini, llama3.2 (Ollama)")
    base_url: str = Field("", description=f"Server URL (empty: $OPENAI_BASE_URL or {DEFAULT_BASE_URL})")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key")
    structured: Literal["schema", "json", "none"] = Field("schema", description="How to ask for JSON")
    stream: bool = True


@register
class OpenAIWriter(ChatWriter):
    name = "openai"
    description = "OpenAI-compatible chat servers: OpenAI, Ollama, LM Studio, vLLM, llama.cpp server"
    provider_label = "openai-compatible"
    Options = OpenAIOptions

    @classmethod
    def readiness(cls) -> str | None:
        if missing_packages("openai"):
            return "needs the openai package: pip install openai"
        base = os.environ.get("OPENAI_BASE_URL", "")
        if not base and not os.environ.get("OPENAI_API_KEY"):
            return (
                "set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama)"
            )
        return None

    @property
    def base_url(self) -> str:
        return self.options.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL

    def settings_key(self) -> dict[str, Any]:
        return {**super().settings_key(), "base_url": self.base_url}

    def secrets(self) -> set[str]:
        return secret_values([os.environ.get(self.options.api_key_env)])

    def _client(self) -> Any:
        from openai import OpenAI

        key = os.environ.get(self.options.api_key_env)
        if not key and self.base_url == DEFAULT_BASE_URL:
            raise BackendUnavailable(
                f"no API key: set {self.options.api_key_env}", stage=self.stage, provider=self.provider_label
            )
        return OpenAI(
            base_url=self.base_url, api_key=key or "not-needed", timeout=self.options.timeout, max_retries=0
        )

    def _response_format(self, schema: dict[str, Any], mode: str) -> dict[str, Any] | None:
        if mode == "schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "script", "schema": schema, "strict": True},
            }
        if mode == "json":
            return {"type": "json_object"}
        return None

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> str:
        import openai

        client = self._client()
        modes = {"schema": ["schema", "json", "none"], "json": ["json", "none"], "none": ["none"]}
        last_error = ""
        for mode in modes[self.options.structured]:
            kwargs: dict[str, Any] = {"model": self.options.model, "messages": messages}
            kwargs["temperature"] = self.options.temperature
            response_format = self._response_format(schema, mode)
            if response_format:
                kwargs["response_format"] = response_format
            self.sent.append(
                {"url": f"{public_url(self.base_url)}/chat/completions", "model": self.options.model,
                 "temperature": self.options.temperature, "json": mode, "stream": self.options.stream}
            )  # fmt: skip
            try:
                return self._send(client, kwargs)
            except openai.BadRequestError as exc:  # e.g. this server has no structured output
                last_error = _message(exc)
                continue
            except openai.RateLimitError as exc:
                raise Retryable(f"rate limited (429): {_message(exc)}", _retry_after(exc, 2.0)) from None
            except openai.InternalServerError as exc:
                raise Retryable(f"server error ({exc.status_code}): {_message(exc)}", 1.0) from None
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                what = "timed out" if isinstance(exc, openai.APITimeoutError) else "could not connect"
                raise Retryable(f"{what} ({self.base_url})", 1.0) from None
            except openai.NotFoundError as exc:
                raise self._fail(f"model {self.options.model!r} not found: {_message(exc)}") from None
            except openai.AuthenticationError as exc:
                raise self._fail(f"the API key was refused: {_message(exc)}") from None
            except openai.APIStatusError as exc:
                raise self._fail(f"HTTP {exc.status_code}: {_message(exc)}") from None
        raise self._fail(f"the server refused the request: {last_error}")

    def _send(self, client: Any, kwargs: dict[str, Any]) -> str:
        if not self.options.stream:
            response = client.chat.completions.create(**kwargs)
            return response.choices[0].message.content or "" if response.choices else ""
        text = ""
        for chunk in client.chat.completions.create(**kwargs, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
                if self.listener:
                    self.listener(text)
        return text


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:200]
    return str(exc)[:200]


def _retry_after(exc: Any, default: float) -> float:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default
