"""The project: a folder a person can read and edit.

``project.json`` holds the topic, the settings and the scenes; media live beside it:
``scenes/NN/image-<hash>.png``, ``scenes/NN/voice-<hash>.wav`` (+ ``.json`` timings), ``cache/`` for
rendered segments, and the results ``video.mp4`` and ``captions.srt``. Each media file is named by a
hash of what produced it, so editing ``project.json`` and re-rendering redoes only what changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from . import files
from .errors import InputError

PROJECT_FILE = "project.json"
FORMAT_VERSION = 1

Aspect = Literal["9:16", "16:9", "1:1"]
Resolution = Literal["1080p", "720p", "360p"]

_SHORT_SIDE = {"1080p": 1080, "720p": 720, "360p": 360}
_RATIO = {"9:16": (9, 16), "16:9": (16, 9), "1:1": (1, 1)}


def frame_size(aspect: str, resolution: str) -> tuple[int, int]:
    """Width and height in pixels (both even, as H.264 yuv420p needs)."""
    if aspect not in _RATIO:
        raise InputError(f"unknown aspect ratio {aspect!r}; use 9:16, 16:9 or 1:1", stage="render")
    if resolution not in _SHORT_SIDE:
        raise InputError(f"unknown resolution {resolution!r}; use 1080p, 720p or 360p", stage="render")
    short = _SHORT_SIDE[resolution]
    w, h = _RATIO[aspect]
    long = round(short * max(w, h) / min(w, h) / 2) * 2
    return (short, long) if w < h else (long, short) if w > h else (short, short)


@dataclass
class StageChoice:
    """Which backend a stage uses and that backend's own options."""

    backend: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaptionStyle:
    enabled: bool = True
    size: float = 0.06  # font size as a fraction of the frame's short side
    position: Literal["bottom", "middle", "top"] = "bottom"
    color: str = "#FFFFFF"
    max_words: int = 5


@dataclass
class Settings:
    aspect: Aspect = "9:16"
    resolution: Resolution = "1080p"
    fps: int = 30
    writer: StageChoice = field(default_factory=lambda: StageChoice("local"))
    images: StageChoice = field(default_factory=lambda: StageChoice("card"))
    voice: StageChoice = field(default_factory=lambda: StageChoice("piper"))
    speed: float = 1.0
    captions: CaptionStyle = field(default_factory=CaptionStyle)
    music: str = "default"  # "default" (the bundled track), "none", or a path to an audio file
    music_volume: float = 0.12
    seed: int = 0
    audience: str = "a general audience"
    tone: str = "friendly and clear"

    @property
    def size(self) -> tuple[int, int]:
        return frame_size(self.aspect, self.resolution)


@dataclass
class Scene:
    id: str
    narration: str
    image_prompt: str
    image_seed: int = 0
    # "generated" images are remade when the prompt, seed or backend change; an "upload", or a picture
    # the person went back to with undo ("kept"), stays until they regenerate.
    image_source: Literal["generated", "upload", "kept"] = "generated"
    image: str | None = None
    image_key: str | None = None
    image_history: list[str] = field(default_factory=list)
    audio: str | None = None
    audio_key: str | None = None
    duration: float | None = None

    @property
    def folder(self) -> str:
        return f"scenes/{self.id}"


@dataclass
class Project:
    topic: str
    title: str = ""
    language: str = "en"
    settings: Settings = field(default_factory=Settings)
    scenes: list[Scene] = field(default_factory=list)
    # What the script writer was sent and answered, for the "How it works" panels.
    script_trace: dict[str, Any] = field(default_factory=dict)
    version: int = FORMAT_VERSION

    def new_scene_id(self) -> str:
        used = [int(s.id) for s in self.scenes if s.id.isdigit()]
        return f"{max(used, default=0) + 1:02d}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_adapter = TypeAdapter(Project)


class ProjectFolder:
    """A project together with the folder it lives in."""

    def __init__(self, root: Path, project: Project):
        self.root = Path(root)
        self.project = project

    @classmethod
    def create(cls, root: Path, project: Project) -> ProjectFolder:
        folder = cls(root, project)
        folder.root.mkdir(parents=True, exist_ok=True)
        folder.save()
        return folder

    @classmethod
    def open(cls, root: Path) -> ProjectFolder:
        path = Path(root) / PROJECT_FILE
        if not path.is_file():
            raise InputError(f"{root} is not a project folder (no {PROJECT_FILE})", stage="project")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            project = _adapter.validate_python(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} is not valid JSON: {exc}", stage="project") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(f"{path}: {where}: {first['msg']}", stage="project") from None
        files.remove_partials(Path(root))
        return cls(Path(root), project)

    def save(self) -> None:
        files.write_json(self.root / PROJECT_FILE, self.project.to_dict())

    def path(self, relative: str) -> Path:
        """Resolve a path stored in project.json, refusing anything outside the folder."""
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise InputError(f"path {relative!r} points outside the project folder", stage="project")
        return resolved

    def has(self, relative: str | None) -> bool:
        return bool(relative) and self.path(relative).is_file()

    @property
    def video(self) -> Path:
        return self.root / "video.mp4"

    @property
    def captions(self) -> Path:
        return self.root / "captions.srt"

    @property
    def cache(self) -> Path:
        return self.root / "cache"
