"""The stages from topic to video, one name each: in settings, backends, errors, progress and the studio."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    SCRIPT = "script"
    IMAGES = "images"
    VOICE = "voice"
    RENDER = "render"


# The stages whose backend a project chooses (settings.script, .images, .voice); the render is our own.
CHOSEN = (Stage.SCRIPT, Stage.IMAGES, Stage.VOICE)

# What earlier versions called a stage's setting (project format 2, config files, VIDEOCREATOR_* names).
FORMER_NAMES = {"writer": Stage.SCRIPT}


def current_names(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with stages under their former names moved to their names now (a value under the name
    now wins)."""
    moved = {FORMER_NAMES[key].value: value for key, value in values.items() if key in FORMER_NAMES}
    return moved | {key: value for key, value in values.items() if key not in FORMER_NAMES}
