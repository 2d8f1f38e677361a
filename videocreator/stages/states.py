"""Which scenes' picture and narration are up to date: what the studio's table and the CLI show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..backend import Backend
from ..errors import BackendUnavailable
from ..project import ProjectFolder
from .choosing import image_maker, narrator
from .images import image_is_current
from .voice import audio_is_current


@dataclass(frozen=True)
class SceneState:
    image_current: bool
    audio_current: bool


def scene_states(folder: ProjectFolder) -> list[SceneState]:
    """Which scenes' image and narration are up to date (edits make them stale; so does a stage whose
    backend cannot run here, such as no voice for the script's language)."""
    maker, voice = _available(image_maker, folder), _available(narrator, folder)
    return [
        SceneState(
            maker is not None and image_is_current(folder, s, maker),
            voice is not None and audio_is_current(folder, s, voice),
        )
        for s in folder.project.scenes
    ]


def _available(make: Callable[[ProjectFolder], Backend], folder: ProjectFolder) -> Any:
    try:
        return make(folder)
    except BackendUnavailable:
        return None
