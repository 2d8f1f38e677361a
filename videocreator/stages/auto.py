"""``auto``: the best backend actually present for each stage, chosen at the start of a run, with why.

- script: a configured OpenAI-compatible server (``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``) that answers,
  then a local Ollama, then g4f when the network answers, then the bundled model, then the template.
- pictures: diffusers when it is installed, its model is here and a GPU is (or CPU is allowed in the
  options), else the offline illustrator.
- voice: a voice that speaks the script's language (the bundled Piper voice, a Piper voice in the
  voices folder, a downloaded Coqui model); none: stop before narrating, saying how to add one.

Probes are short (``PROBE_TIMEOUT_S`` each) and their answers kept for ``CACHE_S`` seconds, so a
long-running studio does not probe on every click, and offline ``auto`` costs about a second more than
naming ``local``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import registry
from ..backend import missing_packages
from ..errors import BackendUnavailable
from ..gpu import zero_gpu
from ..images.diffusion import DEFAULT_MODEL, model_problem
from ..languages import language_name
from ..stage import Stage

AUTO = "auto"
PROBE_TIMEOUT_S = 1.0
CACHE_S = 300.0
CACHE_NO_S = 20.0
OLLAMA_URL = "http://127.0.0.1:11434/v1"
# Where "does the internet answer" is asked: a connectivity check that answers 204 No Content. Tests
# point it at loopback servers.
NETWORK_PROBE = "https://www.gstatic.com/generate_204"


@dataclass(frozen=True)
class Resolved:
    """What ``auto`` chose for a stage: the backend, the options it adds, and one line saying why."""

    stage: Stage
    backend: str
    options: dict[str, Any] = field(default_factory=dict)
    why: str = ""

    @property
    def line(self) -> str:
        return f"{self.stage}: {self.backend} — {self.why}" if self.why else f"{self.stage}: {self.backend}"


_answers: dict[str, tuple[float, Any]] = {}
_asking = threading.Lock()  # visitors of a studio ask one at a time; the answer is shared


def _cached(key: str, ask: Callable[[], Any]) -> Any:
    """``ask()``'s answer, remembered: a useful one for ``CACHE_S``, a "no" for ``CACHE_NO_S`` (so a
    server started later is found soon)."""
    with _asking:
        now = time.monotonic()
        kept = _answers.get(key)
        if kept is not None and now - kept[0] < (CACHE_S if kept[1] else CACHE_NO_S):
            return kept[1]
        answer = _bounded(ask)
        _answers[key] = (now, answer)
        return answer


def _bounded(ask: Callable[[], Any]) -> Any:
    """``ask()`` given at most twice the probe time in all (a server that trickles bytes is cut off)."""
    pool = ThreadPoolExecutor(max_workers=1)  # not a ``with``: leaving one waits for the probe
    future = pool.submit(ask)
    try:
        return future.result(timeout=2 * PROBE_TIMEOUT_S)
    except FuturesTimeout:
        return None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def forget() -> None:
    """Drop remembered probe answers (after the person changed a server, and in tests)."""
    with _asking:
        _answers.clear()


def _models_at(base_url: str, api_key: str | None) -> list[str] | None:
    """The model ids an OpenAI-compatible server lists, or None when it does not answer in time."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        reply = httpx.get(f"{base_url.rstrip('/')}/models", headers=headers, timeout=PROBE_TIMEOUT_S)
        reply.raise_for_status()
        return [str(m["id"]) for m in reply.json().get("data", []) if m.get("id")]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _network_answers() -> bool:
    """Whether the internet answers: a connectivity check that must reply 204 (a proxy or captive portal
    that accepts connections but serves nothing does not count)."""
    import httpx

    url = os.environ.get("VIDEOCREATOR_NETWORK_PROBE", NETWORK_PROBE)
    try:
        return httpx.get(url, timeout=PROBE_TIMEOUT_S, follow_redirects=False).status_code == 204
    except httpx.HTTPError:
        return False


def ollama_url() -> str:
    """Ollama's OpenAI-compatible address: ``$OLLAMA_HOST`` (as Ollama reads it) or its default."""
    host = os.environ.get("OLLAMA_HOST", "").strip().rstrip("/")
    if not host:
        return OLLAMA_URL
    return f"{host if '://' in host else 'http://' + host}/v1"


def script(options: dict[str, Any]) -> Resolved:
    """The best script writer here, trying each in order; ``options`` are what the person configured."""
    skipped: list[str] = []
    configured = os.environ.get("OPENAI_BASE_URL", "")
    base = options.get("base_url") or configured
    # The key goes only to the server it was configured for, never to one a project names.
    key = os.environ.get("OPENAI_API_KEY") if base == configured else None
    if base or key:
        url = base or "https://api.openai.com/v1"
        models = _cached(f"models {url} {bool(key)}", lambda: _models_at(url, key))
        if models is not None:
            model = options.get("model") or (models[0] if models else "")
            chosen = {"base_url": base, "model": model} if base else {"model": model or "gpt-4o-mini"}
            return Resolved(Stage.SCRIPT, "openai", chosen, f"the configured server at {url} answers")
        skipped.append(f"the configured server at {url} does not answer")
    else:
        skipped.append("no OpenAI-compatible server configured")
    ollama = ollama_url()
    models = _cached(f"models {ollama}", lambda: _models_at(ollama, None))
    if models:
        return Resolved(
            Stage.SCRIPT, "openai", {"base_url": ollama, "model": models[0]}, f"Ollama answers ({models[0]})"
        )
    skipped.append("no Ollama answering" if models is None else "Ollama has no model pulled")
    if registry.get(Stage.SCRIPT, "g4f").readiness() is None and _cached("network", _network_answers):
        return Resolved(Stage.SCRIPT, "g4f", {}, "; ".join([*skipped, "the network answers"]))
    skipped.append("no network for g4f")
    if (reason := registry.get(Stage.SCRIPT, "local").readiness()) is None:
        return Resolved(Stage.SCRIPT, "local", {}, "; ".join([*skipped, "the bundled model writes drafts"]))
    skipped.append(f"local: {reason}")
    return Resolved(Stage.SCRIPT, "template", {}, "; ".join(skipped))


def gpu_available() -> bool:
    """Whether a GPU is here: torch sees one (CUDA or Apple's MPS), or ZeroGPU lends one per call."""
    if zero_gpu():
        return True
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available() or torch.backends.mps.is_available())


def images(options: dict[str, Any]) -> Resolved:
    """Diffusers with its model present and a GPU (or CPU allowed), else the offline illustrator."""
    diffusers = registry.get(Stage.IMAGES, "diffusers")
    if missing := missing_packages("torch", "diffusers", "transformers"):
        reason: str | None = f"not installed ({', '.join(missing)})"
    else:
        reason = model_problem(options.get("model") or DEFAULT_MODEL)
    if reason is None and not (gpu_available() or options.get("device") == "cpu"):
        reason = "no GPU (set the images' device option to cpu to use it anyway, slowly)"
    if reason is None:
        kept = {k: v for k, v in options.items() if k in diffusers.Options.model_fields}
        return Resolved(Stage.IMAGES, "diffusers", kept, "diffusers with a local model and a GPU")
    return Resolved(Stage.IMAGES, "card", {}, f"diffusers: {reason}")


def voice(language: str, voices_folder: str = "") -> Resolved:
    """A voice that speaks ``language``; none: stop before narrating, naming what to add."""
    from ..voices.catalog import DEFAULT_VOICES
    from ..voices.folder import installed
    from ..voices.folder import voices_folder as folder_of

    code = language.lower().split("-")[0]
    for found in installed(folder_of(voices_folder)):
        if found.language != code:
            continue
        if found.bundled:
            return Resolved(Stage.VOICE, "piper", {}, f"the bundled Piper voice speaks {language_name(code)}")
        return Resolved(Stage.VOICE, "piper", {"model": str(found.path)}, f"Piper voice {found.path.name}")
    if not missing_packages("torch", "torchaudio", "TTS"):
        for model in _coqui_models(code):
            return Resolved(Stage.VOICE, "coqui", {"model": model}, f"downloaded Coqui model {model}")
    suggestion = DEFAULT_VOICES.get(code)
    which = f" (the Piper voice {suggestion})" if suggestion else ""
    raise BackendUnavailable(
        f"no voice here speaks {language_name(code)} ({code}): add one with `videocreator voices add {code}`"
        f"{which}, or put a Piper voice in the voices folder (setting voices_folder), "
        "or choose a voice yourself",
        stage=Stage.VOICE,
        provider=AUTO,
    )


def _coqui_models(code: str) -> list[str]:
    """Downloaded Coqui zoo models for a language (``tts_models/<code>/<dataset>/<model>``)."""
    try:
        from TTS.utils.manage import ModelManager
    except ImportError:
        return []
    root = Path(ModelManager(progress_bar=False).output_prefix)
    prefix = f"tts_models--{code}--"
    return [p.name.replace("--", "/") for p in sorted(root.glob(f"{prefix}*")) if p.is_dir()]
