"""The one place that knows every backend.

Built-in backends register exactly as a plugin would: a module that calls ``register`` on import.
Third-party packages can add theirs through the ``videocreator.backends`` entry-point group.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from .backend import Backend
from .errors import InputError
from .stage import CHOSEN, Stage

_BUILTIN_MODULES = (
    "videocreator.writers.template",
    "videocreator.writers.local_llm",
    "videocreator.writers.openai_compat",
    "videocreator.writers.g4f_writer",
    "videocreator.writers.own_text",
    "videocreator.images.card",
    "videocreator.images.upload",
    "videocreator.images.diffusion",
    "videocreator.voices.piper",
    "videocreator.voices.coqui",
)

_backends: dict[Stage, dict[str, type[Backend]]] = {stage: {} for stage in CHOSEN}
_loaded = False
_loading = threading.RLock()  # the first caller imports the backends; a caller meanwhile waits for them
_importing = False  # a backend's module asking for the registry while it is imported (the same thread)


def register(cls: type[Backend]) -> type[Backend]:
    """Class decorator: make a backend selectable by its name (a name can be taken once per stage)."""
    taken = _backends[cls.stage].get(cls.name)
    if taken is not None and taken is not cls:
        raise ValueError(
            f"two {cls.stage.value} backends are named {cls.name!r}: {taken.__module__} and {cls.__module__}"
        )
    _backends[cls.stage][cls.name] = cls
    return cls


def unregister(cls: type[Backend]) -> None:
    _backends[cls.stage].pop(cls.name, None)


def _load() -> None:
    global _loaded, _importing
    if _loaded:
        return
    with _loading:
        if _loaded or _importing:
            return
        _importing = True
        try:
            for module in _BUILTIN_MODULES:
                importlib.import_module(module)
            for ep in entry_points(group="videocreator.backends"):
                ep.load()
            _loaded = True
        finally:
            _importing = False


def backends(stage: Stage) -> dict[str, type[Backend]]:
    _load()
    return dict(_backends[stage])


def get(stage: Stage, name: str) -> type[Backend]:
    available = backends(stage)
    if name not in available:
        choices = ", ".join(sorted(available)) or "none"
        raise InputError(f"unknown backend {name!r}; choose one of: {choices}", stage=stage)
    return available[name]


def create(stage: Stage, name: str, options: dict[str, Any] | None = None) -> Backend:
    cls = get(stage, name)
    return cls(cls.parse_options(options))


def default_name(stage: Stage) -> str:
    """The embedded offline default of a stage."""
    for name, cls in backends(stage).items():
        if cls.offline_default:
            return name
    raise LookupError(f"no offline default registered for {stage.value}")


@dataclass(frozen=True)
class BackendStatus:
    stage: Stage
    name: str
    description: str
    ready: bool
    reason: str
    offline_default: bool
    needs_network: bool


def status() -> list[BackendStatus]:
    """Every backend of every stage, ready or with the reason it is not."""
    rows = []
    for stage in CHOSEN:
        for name, cls in sorted(backends(stage).items()):
            reason = cls.readiness()
            rows.append(
                BackendStatus(
                    stage=stage,
                    name=name,
                    description=cls.description,
                    ready=reason is None,
                    reason=reason or "ready",
                    offline_default=cls.offline_default,
                    needs_network=cls.needs_network,
                )
            )
    return rows
