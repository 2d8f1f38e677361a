"""A project together with the folder it lives in: every path it stores kept inside it, and the names of the
files it makes there."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .. import files
from ..errors import InputError, invalid
from ..limits import FILE_OPTIONS, LOCAL, OPERATOR_OPTIONS, Limits
from ..stage import CHOSEN, Stage
from .model import FORMAT_VERSION, MEDIA, PROJECT_FILE, Project, Scene, StageChoice
from .stored import read_json, upgraded
from .timings import read_timings, timings_path

_adapter = TypeAdapter(Project)
VOICE_PREFIX = "voice-"


def image_file(scene: Scene, key: str) -> str:
    """A picture made for ``scene`` by what ``key`` hashes."""
    return f"{scene.folder}/image-{key}.png"


def upload_file(scene: Scene, key: str) -> str:
    """The person's picture for ``scene``, fitted to the frame (``key``: its pixels and the size)."""
    return f"{scene.folder}/upload-{key}.png"


def textless_file(image: str) -> str:
    """Where the layer that takes a scene's picture's text away (``images.layers``) is kept beside it."""
    return str(PurePosixPath(image).with_suffix(".textless.png"))


def voice_file(scene: Scene, key: str) -> str:
    """A narration of ``scene`` made by what ``key`` hashes (its timings: ``timings_path`` of it)."""
    return f"{scene.folder}/{VOICE_PREFIX}{key}.wav"


def step_file(scene: Scene, key: str, step: int, steps: int) -> str:
    """One of a model's steps towards the picture ``key`` (kept where the person asked to see them)."""
    return f"{scene.folder}/step-{key}-{step:02d}-of-{steps:02d}.png"


class ProjectFolder:
    """A project together with the folder it lives in, and the limits of whoever is working on it."""

    def __init__(self, root: Path, project: Project, limits: Limits = LOCAL, *, from_elsewhere: bool = False):
        self.root = Path(root)
        self.project = project
        self.limits = limits
        # What opening the project changed or dropped (old absolute paths, options not allowed here).
        self.notes: list[str] = []
        self.from_elsewhere = from_elsewhere  # a zip: it names no files, models or servers of this machine
        # Held while the project is changed in memory and saved, where stages work side by side (threads).
        self.changing = threading.RLock()

    @property
    def adopt_outside(self) -> bool:
        """Whether outside files the project names are copied in (see ``open``)."""
        return not (self.from_elsewhere or self.limits.public)

    @classmethod
    def create(cls, root: Path, project: Project, limits: Limits = LOCAL) -> ProjectFolder:
        folder = cls(root, project, limits)
        limits.check_scene_count(len(project.scenes))
        if (blocked := _in_the_way(folder.root)) is not None:
            raise InputError(blocked)
        created = not folder.root.exists()
        folder.root.mkdir(parents=True, exist_ok=True)
        try:
            folder.settle_files(trusted=True)  # the caller's own settings: their files are copied in
            folder.save()
        except BaseException:
            if created:
                shutil.rmtree(folder.root, ignore_errors=True)
            raise
        return folder

    @classmethod
    def open(cls, root: Path, limits: Limits = LOCAL, *, from_elsewhere: bool = False) -> ProjectFolder:
        """Open a project folder. A person's own older project has the files it names outside its folder
        copied in; one ``from_elsewhere`` (a zip) has them dropped with a note instead, so it cannot pull
        the person's files into what they share, and names no models, servers or keys of theirs."""
        path = Path(root) / PROJECT_FILE
        if not path.is_file():
            raise InputError(f"{root} is not a project folder (no {PROJECT_FILE})")
        try:
            project = _adapter.validate_python(upgraded(read_json(path)))
        except ValidationError as exc:
            raise InputError(f"{path}: {invalid(exc)}") from None
        files.remove_partials(Path(root))
        folder = cls(Path(root), project, limits, from_elsewhere=from_elsewhere)
        limits.check_scene_count(len(project.scenes))
        changed = folder.settle_files() | folder._drop_options_not_allowed()
        if changed or project.version != FORMAT_VERSION:
            project.version = FORMAT_VERSION
            folder.save()
        return folder

    def save(self) -> None:
        with self.changing:
            files.write_json(self.root / PROJECT_FILE, self.project.to_dict())

    def path(self, relative: str) -> Path:
        """Resolve a path stored in project.json, refusing anything outside the folder."""
        if PurePath(relative).is_absolute():
            raise InputError(f"path {relative!r} is not inside the project folder")
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise InputError(f"path {relative!r} points outside the project folder")
        return resolved

    def adopt(self, source: Path, name: str) -> str:
        """Copy the person's file into the project's media folder, named by its content; its stored path."""
        digest = hashlib.sha256()
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        relative = f"{MEDIA}/{name}-{digest.hexdigest()[:12]}{source.suffix.lower()[:6]}"
        target = self.path(relative)
        if not target.is_file():
            with files.atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
        return relative

    # ---- every file the project names lives inside its folder ---------------------------------------

    def settle_files(self, *, trusted: bool = False) -> bool:
        """Bring every file path the project stores inside its folder; True if one changed.

        A path that escapes the folder is refused. An absolute path (from an older version, or a setting)
        becomes relative when it points inside the folder, or its file is found inside the folder under
        the same tail (a zip from an older version); otherwise, on a person's own machine (or for the
        ``trusted`` settings of a new project), the file is copied in. On a public server a file named by
        an opened project is never read from outside its folder: it is dropped with a note. Generated
        pictures and voices that are gone are dropped (they are made again); a missing file of the
        person's (music, a voice recording) is an error naming it.
        """
        changed = False
        for where, value, replace, own in list(self._stored_paths()):
            settled = self._settle(where, value, own, trusted)
            if settled != value:
                replace(settled)
                changed = True
        for scene in self.project.scenes:
            history = [v for v in scene.image_history if v.path]
            if history != scene.image_history:
                scene.image_history, changed = history, True
        return changed

    def _stored_paths(self) -> Iterator[tuple[str, str, Any, str | None]]:
        """(where, stored path, how to replace it, what the person's own file is) for each stored path;
        the last is None for a generated picture or voice."""
        settings = self.project.settings
        if settings.music not in ("", "default", "none"):
            yield "settings.music", settings.music, _setter(settings, "music", "none"), "music file"
        for stage in CHOSEN:
            options = getattr(settings, stage).options
            for name in sorted(FILE_OPTIONS & options.keys()):
                if not isinstance(options[name], str | None):
                    raise InputError(f"settings.{stage}.options.{name} must be a file name")
                if options[name]:
                    yield f"settings.{stage}.{name}", options[name], _setter(options, name), "voice recording"
        for n, scene in enumerate(self.project.scenes, 1):
            for attr in ("image", "audio"):
                if value := getattr(scene, attr):
                    yield f"scene {n} {attr}", value, _setter(scene, attr), None
            for version in scene.image_history:
                yield f"scene {n} image history", version.path, _setter(version, "path", ""), None

    def _settle(self, where: str, stored: str, own: str | None, trusted: bool) -> str | None:
        root = self.root.resolve()
        if not _absolute(stored):
            self.path(stored)  # refuses "../" and links out of the folder
            return stored
        path = Path(stored).resolve()
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
        parts = [p for p in PureWindowsPath(stored).parts[1:] if p not in ("/", "\\")]
        for start in range(len(parts)):  # the same file under the same tail, shipped inside the folder
            tail = "/".join(parts[start:])
            if (root / tail).is_file() and (root / tail).resolve().is_relative_to(root):
                return tail
        if not (self.adopt_outside or trusted):
            self.notes.append(f"{where}: {stored} is not part of this project; dropped")
            return None
        if own and path.is_file():
            return self.adopt(path, "music" if own == "music file" else "voice-reference")
        if own:
            if trusted:
                raise InputError(f"{own} {stored} not found")
            raise InputError(
                f"{where}: the {own} {stored} is neither in the project folder nor found: put it back, "
                "or remove it from project.json",
            )
        self.notes.append(f"{where}: {stored} is gone; it will be made again")
        return None

    def _drop_options_not_allowed(self) -> bool:
        """On a public server, models, files and servers the operator did not choose are dropped."""
        changed = False
        settings = self.project.settings
        if self.limits.public and settings.voices_folder != self.limits.operator_voices_folder:
            self.notes.append("settings.voices_folder is the operator's on this server; dropped")
            settings.voices_folder, changed = self.limits.operator_voices_folder, True
        for stage in CHOSEN:
            choice: StageChoice = getattr(self.project.settings, stage)
            refused = self.limits.visitor_options(stage, choice.backend, choice.options)
            if self.from_elsewhere:  # a project from elsewhere names no models, servers or keys here
                refused = sorted(set(refused) | (OPERATOR_OPTIONS & choice.options.keys()))
            for name in refused:
                self.notes.append(f"settings.{stage}.options.{name} is not allowed here; dropped")
                del choice.options[name]
                changed = True
        return changed

    def has(self, relative: str | None) -> bool:
        return bool(relative) and self.path(relative).is_file()

    @property
    def video(self) -> Path:
        return self.root / "video.mp4"

    @property
    def captions(self) -> Path:
        return self.root / "captions.srt"

    def timings(self, scene: Scene) -> dict[str, Any]:
        """A scene's narration timings (duration, what was said, sentences, words, phonemes) as
        ``read_timings`` checks them against its recording: the duration is the recording's real length.
        Empty before it is narrated; an InputError naming the scene when they cannot be used."""
        relative = timings_path(scene.audio)
        if not (self.has(scene.audio) and self.has(relative)):
            return {}
        try:
            return read_timings(self.path(str(scene.audio)), self.path(str(relative)))
        except InputError as exc:
            raise InputError(f"scene {scene.id}: {exc.detail}", stage=Stage.VOICE) from None

    def drop_unusable_voices(self) -> list[str]:
        """Drop each narration whose recording or timings ``timings`` refuses, its files too, so that it
        is narrated again; each scene's duration becomes its recording's. What was dropped, said."""
        notes: list[str] = []
        changed = False
        for scene in self.project.scenes:
            before = (scene.audio, scene.duration)
            try:
                timings = self.timings(scene)
            except InputError as exc:
                notes.append(f"{exc.detail}; it will be narrated again")
                self._remove_voice(scene)
                timings = {}
            scene.duration = round(timings["duration"], 3) if timings else None
            changed |= (scene.audio, scene.duration) != before
        if changed:
            self.save()
        return notes

    def _remove_voice(self, scene: Scene) -> None:
        """Forget a scene's narration. Its files are removed where they are the generated ones
        (``scenes/NN/voice-<hash>``), which narrating it again would otherwise find and reuse."""
        stored = PurePosixPath(str(scene.audio))
        if stored.parent.as_posix() == scene.folder and stored.name.startswith(VOICE_PREFIX):
            for relative in (stored.as_posix(), timings_path(stored.as_posix())):
                self.path(str(relative)).unlink(missing_ok=True)
        scene.audio = scene.audio_key = None

    def steps_made(self, scene: Scene, key: str) -> list[dict[str, Any]]:
        """The model's steps kept for picture ``key``, in order: step, steps and file (see ``step_file``)."""
        found = sorted(self.path(scene.folder).glob(f"step-{key}-*.png"))
        numbers = [p.stem.removeprefix(f"step-{key}-").split("-of-") for p in found]
        return [
            {"step": int(n), "steps": int(of), "file": f"{scene.folder}/{p.name}"}
            for p, (n, of) in zip(found, numbers, strict=True)
        ]

    @property
    def captions_vtt(self) -> Path:
        """The captions as WebVTT, with each word's time (written beside ``captions.srt``)."""
        return self.root / "captions.vtt"

    @property
    def cache(self) -> Path:
        return self.root / "cache"


def _absolute(stored: str) -> bool:
    """Absolute on any system: "/x", "C:\\x", "\\\\server\\x" (a project may come from another one)."""
    return PureWindowsPath(stored).is_absolute() or stored[:1] in ("/", "\\")


def _setter(container: Any, key: Any, empty: Any = None) -> Any:
    """A function that stores a value at ``container[key]`` (or its attribute ``key``); None as ``empty``."""

    def replace(value: Any) -> None:
        value = empty if value is None else value
        if isinstance(container, dict | list):
            container[key] = value
        else:
            setattr(container, key, value)

    return replace


def _in_the_way(root: Path) -> str | None:
    """What stands where the folder ``root`` or a folder above it should be (a file, or a link to
    nothing), said for the person; None when nothing does."""
    for path in [*reversed(root.parents), root]:
        if path.is_symlink() and not path.exists():
            return f"{path} is a link to {path.readlink()}, which is not there: remove it"
        if path.exists() and not path.is_dir():
            return f"{path} is a file, not a folder: choose another"
    return None
