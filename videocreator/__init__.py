"""VideoCreator: type a topic, get a short narrated video.

The stages are plain functions over a project folder, so a UI (or you) can edit any piece and redo
only that: ``write_script``, ``make_images`` / ``make_image`` / ``upload_image``, ``narrate_all`` /
``narrate_scene``, and ``render``. ``make_video`` runs them all.
"""

from .errors import BackendUnavailable, InputError, ProviderFailed, VideoCreatorError
from .pipeline import (
    Reporter,
    make_image,
    make_images,
    make_video,
    narrate_all,
    narrate_scene,
    new_project,
    regenerate_image,
    render,
    undo_image,
    upload_image,
    write_script,
)
from .project import Project, ProjectFolder, Scene, Settings
from .registry import status as list_backends


def load_project(path: str) -> ProjectFolder:
    from pathlib import Path

    return ProjectFolder.open(Path(path))


__all__ = [
    "BackendUnavailable",
    "InputError",
    "Project",
    "ProjectFolder",
    "ProviderFailed",
    "Reporter",
    "Scene",
    "Settings",
    "VideoCreatorError",
    "list_backends",
    "load_project",
    "make_image",
    "make_images",
    "make_video",
    "narrate_all",
    "narrate_scene",
    "new_project",
    "regenerate_image",
    "render",
    "undo_image",
    "upload_image",
    "write_script",
]
