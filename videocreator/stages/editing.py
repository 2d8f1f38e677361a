"""A person's edits to a project: its scenes (add, change, reorder, the whole table at once) and its settings
(validated as a whole; music and a voice to clone copied in)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import settings as settings_model
from ..errors import InputError
from ..files import full_disk_is
from ..project import Project, ProjectFolder, Scene
from ..stage import CHOSEN, FORMER_NAMES, Stage
from ..text import check_scene_text
from .choosing import choose_backend


def new_scene(project: Project, narration: str, image_prompt: str, heading: str = "") -> Scene:
    """A scene with the next id, and a picture seed of its own that follows the project's seed."""
    scene_id = project.new_scene_id()
    seed = project.settings.seed * 1000 + int(scene_id)
    return Scene(
        id=scene_id, narration=narration, image_prompt=image_prompt, image_seed=seed, heading=heading
    )


def add_scene(folder: ProjectFolder, narration: str, image_prompt: str, position: int | None = None) -> Scene:
    project = folder.project
    folder.limits.check_scene_count(len(project.scenes) + 1)
    scene = new_scene(
        project,
        check_scene_text(narration, "narration"),
        check_scene_text(image_prompt, "image prompt", required=False),
    )
    project.scenes.insert(len(project.scenes) if position is None else position, scene)
    folder.save()
    return scene


def update_scene(
    folder: ProjectFolder, scene: Scene, *, narration: str | None = None, image_prompt: str | None = None
) -> None:
    """Edit a scene's texts; its image and voice become out of date and are redone when next needed."""
    if narration is not None:
        scene.narration = check_scene_text(narration, "narration")
    if image_prompt is not None:
        scene.image_prompt = check_scene_text(image_prompt, "image prompt", required=False)
    folder.save()


@full_disk_is(Stage.SCRIPT)
def set_script(folder: ProjectFolder, title: str, rows: list[tuple[str, str]]) -> None:
    """Make the scenes match an edited table of (narration, image prompt) rows, position by position.

    Existing scenes keep their pictures and voices where their texts did not change; extra rows become
    new scenes, missing rows delete scenes. Empty rows are ignored.
    """
    rows = [(n, p) for n, p in rows if (n or "").strip() or (p or "").strip()]
    if not rows:
        raise InputError("the script has no scenes", stage=Stage.SCRIPT)
    folder.limits.check_scene_count(len(rows))
    project = folder.project
    project.title = check_scene_text(title, "title", required=False)[:120] or project.title
    checked = [
        (check_scene_text(n, f"narration of scene {i}"), check_scene_text(p, "image prompt", required=False))
        for i, (n, p) in enumerate(rows, 1)
    ]
    del project.scenes[len(checked) :]
    for scene, (narration, prompt) in zip(project.scenes, checked, strict=False):
        scene.narration, scene.image_prompt = narration, prompt
    for narration, prompt in checked[len(project.scenes) :]:
        project.scenes.append(new_scene(project, narration, prompt))
    folder.save()


def delete_scene(folder: ProjectFolder, scene: Scene) -> None:
    if len(folder.project.scenes) == 1:
        raise InputError("a video needs at least one scene", stage=Stage.SCRIPT)
    folder.project.scenes.remove(scene)
    folder.save()


def move_scene(folder: ProjectFolder, scene: Scene, offset: int) -> None:
    """Move a scene ``offset`` places (negative: earlier), clamped to the ends."""
    scenes = folder.project.scenes
    position = scenes.index(scene)
    scenes.insert(max(0, min(len(scenes) - 1, position + offset)), scenes.pop(position))
    folder.save()


def change_settings(folder: ProjectFolder, changes: dict[str, Any]) -> None:
    """Change project settings (nested like the config file: ``{"captions": {"size": 0.05}}``),
    validated as a whole before anything is saved. Stage choices go through ``choose_backend``."""
    if refused := set(changes) & {*CHOSEN, *FORMER_NAMES}:
        raise InputError(f"choose {', '.join(sorted(refused))} with choose_backend")
    if "music" in changes:
        raise InputError("choose the music with use_music")
    if folder.limits.public and "voices_folder" in changes:
        raise InputError("the voices folder is the operator's on this public server")
    folder.project.settings = settings_model.updated(folder.project.settings, changes)
    folder.save()


def checked_upload(folder: ProjectFolder, source: Path, what: str, stage: Stage) -> Path:
    """``source``, a file the person sent, once it is there and within the upload limits."""
    if not source.is_file():
        raise InputError(f"the {what} {source.name} was not received; upload it again", stage=stage)
    folder.limits.check_upload(source.stat().st_size, what, stage)
    return source


@full_disk_is(Stage.RENDER)
def use_music(folder: ProjectFolder, music: str | Path) -> None:
    """Background music: "default" (the bundled track), "none", or the person's file (copied in)."""
    settings = folder.project.settings
    if str(music) in ("default", "none"):
        settings.music = str(music)
    else:
        source = checked_upload(folder, Path(music), "music file", Stage.RENDER)
        settings.music = folder.adopt(source, "music")
    folder.save()


@full_disk_is(Stage.VOICE)
def use_voice_reference(folder: ProjectFolder, recording: Path) -> str:
    """Copy a recording of the voice to clone into the project; its path there (for ``speaker_wav``)."""
    return folder.adopt(
        checked_upload(folder, Path(recording), "voice recording", Stage.VOICE), "voice-reference"
    )


def change_project(folder: ProjectFolder, changes: Mapping[str, Any]) -> None:
    """What one form of the studio (or one run of the command line) changes, in one call, shaped like the
    config file: a stage as ``{"backend": name, "options": {...}}`` (through ``choose_backend``), any
    other setting (through ``change_settings``) and then the ``music`` (through ``use_music``), each
    checked as that call checks it: a file is copied in only once the settings were taken."""
    rest = dict(changes)
    for stage in CHOSEN:
        if (choice := rest.pop(stage.value, None)) is not None:
            choose_backend(folder, stage, choice.get("backend", ""), dict(choice.get("options", {})))
    music = rest.pop("music", None)
    if rest:
        change_settings(folder, rest)
    if music is not None:
        use_music(folder, music)
