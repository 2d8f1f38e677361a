"""Secrets kept out of what is shown or stored: the keys and tokens the environment holds."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

HIDDEN = "[hidden]"
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
MIN_SECRET_CHARS = 12  # shorter values (or ones with spaces) are likely ordinary words: not hidden


def secret_values(extra: Iterable[str | None] = ()) -> set[str]:
    """The values of the environment's secrets (variables named like keys or passwords), and ``extra``."""
    found = {value for name, value in os.environ.items() if _SECRET_NAME.search(name)}
    values = (value for value in (*found, *extra) if value and len(value) >= MIN_SECRET_CHARS)
    return {value for value in values if not any(ch.isspace() for ch in value)}


def hide_secrets(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """``value`` (text, or lists and dicts of it) with every secret replaced by ``HIDDEN``."""
    known = sorted(secret_values() if secrets is None else set(secrets), key=len, reverse=True)
    if isinstance(value, str):
        for secret in known:
            value = value.replace(secret, HIDDEN)
        return value
    if isinstance(value, dict):
        return {key: hide_secrets(item, known) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [hide_secrets(item, known) for item in value]
    return value
