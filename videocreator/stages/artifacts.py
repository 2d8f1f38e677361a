"""Bringing a scene's artifact (its picture, its narration) up to date: one algorithm for both.

An artifact is named by a key of everything that makes it (``keys.py``), so it is current when the scene
points at the file of today's key; otherwise the file of that key is reused where it exists (an undo, an
edit taken back), else the stage's backend makes it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from .. import report
from ..backend import Backend
from ..progress import Reporter, reporter_at
from ..project import ProjectFolder, Scene
from ..stage import Stage

B = TypeVar("B", bound=Backend)


class SceneArtifact(ABC, Generic[B]):
    """What a stage's backend makes for each scene."""

    stage: Stage
    what: str  # what a person calls it: "picture", "narration"

    @abstractmethod
    def backend(self, folder: ProjectFolder, record: bool = False) -> B:
        """The backend the project's settings choose (``record``: note which ran, and why)."""

    @abstractmethod
    def key(self, folder: ProjectFolder, scene: Scene, backend: B) -> str:
        """The hash of everything that makes this scene's artifact with ``backend``."""

    @abstractmethod
    def is_current(self, folder: ProjectFolder, scene: Scene, backend: B) -> bool:
        """Whether the scene's artifact is there and made as the project asks now."""

    @abstractmethod
    def files(self, scene: Scene, key: str) -> tuple[str, ...]:
        """The files of the artifact of ``key`` in the project folder."""

    @abstractmethod
    def make(self, folder: ProjectFolder, scene: Scene, backend: B, key: str) -> dict[str, Any]:
        """Make the artifact and write its ``files``; what the making told (how long it took)."""

    @abstractmethod
    def adopt(self, folder: ProjectFolder, scene: Scene, backend: B, key: str, made: dict[str, Any]) -> None:
        """Point the scene at the artifact of ``key``."""


def bring_up_to_date(
    folder: ProjectFolder,
    artifact: SceneArtifact[B],
    scene: Scene,
    reporter: Reporter | None = None,
    backend: B | None = None,
) -> None:
    """Make ``scene``'s artifact if it is missing or out of date (reusing a file made before for the same
    key), and save the project."""
    backend = backend or artifact.backend(folder, record=True)
    if artifact.is_current(folder, scene, backend):
        return
    key = artifact.key(folder, scene, backend)
    made: dict[str, Any] = {}
    if not all(folder.has(name) for name in artifact.files(scene, key)):
        rep = reporter_at(reporter, artifact.stage)
        rep.progress(0.0, f"{artifact.what} of scene {scene.id} with {backend.name}")
        if reporter is not None:  # bring_all_up_to_date hands its backend in with its own Stop
            backend.stopping = rep.stopping
        made = artifact.make(folder, scene, backend, key)
    with folder.changing:
        artifact.adopt(folder, scene, backend, key, made)
        folder.save()


def bring_all_up_to_date(
    folder: ProjectFolder, artifact: SceneArtifact[B], reporter: Reporter | None, *, tell: bool = True
) -> None:
    """Make each scene's artifact that is missing or out of date, in order; then (``tell``) How it works
    tells of the project, if it changed since it was told."""
    backend = artifact.backend(folder, record=True)
    rep, scenes = reporter_at(reporter, artifact.stage), folder.project.scenes
    backend.stopping = rep.stopping
    for n, scene in enumerate(scenes):
        if not artifact.is_current(folder, scene, backend):
            rep.progress(n / len(scenes), f"{artifact.what} {n + 1}/{len(scenes)} ({backend.name})")
            bring_up_to_date(folder, artifact, scene, backend=backend)
    rep.progress(1.0, f"{artifact.what}s ready")
    if tell and not report.is_current(folder):
        report.write_report(folder)
