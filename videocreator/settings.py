"""Configuration in one place: defaults < config file < VIDEOCREATOR_* environment < arguments.

The config file is TOML with the same keys as a project's ``settings`` (``aspect = "16:9"``,
``[captions] size = 0.06``, ``script = {backend = "openai"}``...). It is read from ``$VIDEOCREATOR_CONFIG``
or the user's config folder (``~/.config/videocreator/config.toml`` on Linux). Secrets never go here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from pydantic import TypeAdapter, ValidationError

from .errors import InputError, invalid
from .limits import Limits
from .project import Settings
from .stage import CHOSEN, FORMER_NAMES, current_names

ENV_PREFIX = "VIDEOCREATOR_"
_adapter = TypeAdapter(Settings)


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
