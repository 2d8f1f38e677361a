"""Configuration in one place: defaults < config file < VIDEOCREATOR_* environment < arguments.

The config file is TOML with the same keys as a project's ``settings`` (``aspect = "16:9"``,
``[captions] size = 0.06``, ``script = {backend = "openai"}``...), and the studio server's own under
``[studio]`` (``heavy_jobs = 2``). It is read from ``$VIDEOCREATOR_CONFIG`` or the user's config folder
(``~/.config/videocreator/config.toml`` on Linux). Secrets never go here.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any

from platformdirs import user_config_dir
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from .errors import InputError, invalid
from .limits import Limits
from .project import Settings
from .stage import CHOSEN, FORMER_NAMES, current_names

ENV_PREFIX = "VIDEOCREATOR_"
_adapter = TypeAdapter(Settings)


def cores() -> int:
    """The CPU cores this process may use (a container's or a job's share, where the system says)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# How many heavy jobs this process and the ones it starts run at once, where something runs several (the
# studio, a batch's sections): said by ``declare_heavy_jobs``, not a setting of its own.
HEAVY_JOBS_NOW = f"{ENV_PREFIX}HEAVY_JOBS_NOW"


# Cores of this job that another part of it keeps busy meanwhile (``cores_taken``).
_TAKEN: ContextVar[int] = ContextVar("cores_taken", default=0)


def job_cores() -> int:
    """The cores one heavy job may keep busy: this machine's, shared by the heavy jobs declared to run at
    once (all of them where none was: a make from the command line is the only job), less those another
    part of the same job keeps busy meanwhile (``cores_taken``); at least one."""
    try:
        jobs = int(os.environ.get(HEAVY_JOBS_NOW, "1"))
    except ValueError:
        jobs = 1
    return max(1, cores() // max(1, jobs) - _TAKEN.get())


@contextlib.contextmanager
def cores_taken(count: int) -> Iterator[None]:
    """Within, ``job_cores`` leaves ``count`` more cores to another part of the job that runs beside (a
    render's pictures, drawn in a thread of their own while the voice speaks): in this thread, and in
    those started with its context."""
    token = _TAKEN.set(_TAKEN.get() + count)
    try:
        yield
    finally:
        _TAKEN.reset(token)


def declare_heavy_jobs(jobs: int) -> None:
    """This process runs ``jobs`` heavy jobs at once (the studio's ``heavy_jobs``; a batch's sections, each
    in a process of its own): ``job_cores`` shares the cores by it, here and in the processes started from
    here."""
    os.environ[HEAVY_JOBS_NOW] = str(jobs)


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class ServerSettings:
    """The studio server's own settings. ``heavy_jobs``: how many heavy jobs (a script, every picture or
    voice, a render, a zip) run at once, in their queue; short ones (a 360p preview, one scene's picture
    or voice) run as many at once in a queue of their own, so they never wait behind a render (and the
    heavy ones yield them the cores). By default one per two cores: x264 keeps two cores busy, so on two
    cores one render runs at a time (two would only share the cores, each finishing later)."""

    heavy_jobs: Annotated[int, Field(ge=1, le=256)]


def server(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> ServerSettings:
    """The studio server's settings, from every layer: the default, the config file's ``[studio]``
    table, ``VIDEOCREATOR_HEAVY_JOBS``, then ``overrides`` (the arguments of ``python app.py``; None
    leaves a setting to the layers below)."""
    env = dict(os.environ) if environ is None else environ
    table = _from_file(config_file()).get("studio", {})
    if not isinstance(table, dict):
        raise InputError(f"config file {config_file()}: [studio] must be a table, not {table!r}")
    names = [f.name for f in fields(ServerSettings)]
    layers = [
        {"heavy_jobs": max(1, cores() // 2)},
        table,
        {name: env[ENV_PREFIX + name.upper()] for name in names if env.get(ENV_PREFIX + name.upper())},
        {name: value for name, value in (overrides or {}).items() if value is not None},
    ]
    merged: dict[str, Any] = {}
    for layer in layers:
        merged |= layer
    try:
        return ServerSettings(**merged)
    except ValidationError as exc:
        raise InputError(f"studio setting {invalid(exc)}") from None


def config_file() -> Path:
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    return Path(explicit) if explicit else Path(user_config_dir("videocreator")) / "config.toml"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config file {path} is not valid TOML: {exc}") from None


def _from_env(environ: dict[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name in [*FORMER_NAMES, *Settings.__dataclass_fields__]:
        value = environ.get(ENV_PREFIX + name.upper())
        if value is None:
            continue
        layer[name] = {"backend": value} if name in CHOSEN or name in FORMER_NAMES else value
    return layer


def resolve(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Settings for a new project, from every layer; ``overrides`` are the caller's arguments."""
    layers = [
        asdict(Settings()),
        _from_file(config_file()),
        _from_env(dict(os.environ) if environ is None else environ),
        overrides or {},
    ]
    merged: dict[str, Any] = {}
    for layer in map(current_names, layers):  # a stage's former name (``writer``) counts as its name
        for stage in CHOSEN:
            chosen = layer.get(stage, {}).get("backend")
            if chosen and chosen != merged.get(stage, {}).get("backend"):
                merged[stage] = {"backend": chosen, "options": {}}  # another backend's options don't apply
        merged = _merge(merged, layer)
    if merged.get("music") not in (None, "", "default", "none"):  # a file of the person's, copied in later
        merged["music"] = str(Path(merged["music"]).expanduser().absolute())
    return _validated(merged)


def updated(current: Settings, changes: dict[str, Any]) -> Settings:
    """``current`` with ``changes`` (nested like the config file), validated as a whole."""
    return _validated(_merge(asdict(current), changes))


def _validated(values: dict[str, Any]) -> Settings:
    try:
        return _adapter.validate_python(values)
    except ValidationError as exc:
        raise InputError(f"setting {invalid(exc)}") from None


def is_public(environ: dict[str, str] | None = None) -> bool:
    """A public server: ``VIDEOCREATOR_PUBLIC=1``, or any Hugging Face Space (which sets ``SPACE_ID``)."""
    env = dict(os.environ) if environ is None else environ
    return env.get(f"{ENV_PREFIX}PUBLIC", "").lower() in ("1", "true", "yes") or "SPACE_ID" in env


def limits(environ: dict[str, str] | None = None) -> Limits:
    """The limits of this server: none on a person's own machine; a public server's, with the operator's
    own stage choices (config file and environment) as the only models and servers visitors get."""
    if not is_public(environ):
        return Limits()
    operator = asdict(resolve(environ=environ))
    return Limits.public_server({stage: operator[stage] for stage in CHOSEN}, operator["voices_folder"])
