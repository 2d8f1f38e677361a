"""VideoCreator: type a topic, get a short narrated video.

The stages are plain functions over a project folder, so a UI (or you) can edit any piece and redo
only that: ``write_script``, ``make_images`` / ``make_image`` / ``upload_image``, ``narrate_all`` /
``narrate_scene``, and ``render``. ``make_video`` runs them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import BackendUnavailable, InputError, ProviderFailed, VideoCreatorError

if TYPE_CHECKING:
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

# Where each name of the API lives, imported when first used: a model's worker process imports
# ``videocreator.worker`` and its model's module, not every stage (0.45 s less at each start).
_LAZY = {
    **dict.fromkeys(
        ["Reporter", "make_image", "make_images", "make_video", "narrate_all", "narrate_scene", "new_project",
         "regenerate_image", "render", "undo_image", "upload_image", "write_script"],
        (".pipeline", None),
    ),
    **dict.fromkeys(["Project", "ProjectFolder", "Scene", "Settings"], (".project", None)),
    "list_backends": (".registry", "status"),
}  # fmt: skip


# The package ``videocreator.render`` (empty: its modules load when they are imported) is loaded here
# and its name let go, so that loading it later cannot bind ``render``: that is the API's function.
importlib.import_module(".render", __name__)
globals().pop("render")


def __getattr__(name: str) -> Any:
    """A name of the API, or a module of the package (``videocreator.pipeline``), imported when asked for
    (asking for a module whose own imports are missing, such as the studio's gradio, raises their
    ModuleNotFoundError)."""
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attribute or name)
    else:
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def load_project(path: str) -> ProjectFolder:
    from pathlib import Path

    from .project import ProjectFolder

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


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
