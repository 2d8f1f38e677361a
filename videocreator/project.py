"""The project: a folder a person can read and edit.

``project.json`` holds the topic, the settings and the scenes; media live beside it:
``scenes/NN/image-<hash>.png``, ``scenes/NN/voice-<hash>.wav`` (+ ``.json`` sentence and word timings),
``media/`` for the person's own files, ``cache/`` for rendered segments, and the results ``video.mp4``,
``captions.srt`` and ``captions.vtt``. Each generated file is named by a hash of what produced it, so
editing ``project.json`` and re-rendering redoes only what changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from . import files
from .errors import InputError, invalid
from .limits import FILE_OPTIONS, LOCAL, OPERATOR_OPTIONS, Limits
from .render.audio import wav_seconds
from .stage import CHOSEN, Stage, current_names

PROJECT_FILE = "project.json"
# 2: every file the project uses is inside its folder, stored relative to it; 3: stages named as in
# stage.py (settings.script was settings.writer)
FORMAT_VERSION = 3
MEDIA = "media"  # the person's own files (music, a voice to clone), copied in
MAX_NESTING = 64  # lists and objects inside each other in a project's JSON; what this program writes: < 10
# A narration's timings fit its recording when the length they state is its real length within this, and
# no sentence or word of them ends more than SPAN_SLACK_S after it.
DURATION_TOLERANCE_S = 0.05
SPAN_SLACK_S = 0.25

Aspect = Literal["9:16", "16:9", "1:1"]
Resolution = Literal["1080p", "720p", "360p"]

_SHORT_SIDE = {"1080p": 1080, "720p": 720, "360p": 360}
_RATIO = {"9:16": (9, 16), "16:9": (16, 9), "1:1": (1, 1)}


def frame_size(aspect: str, resolution: str) -> tuple[int, int]:
    """Width and height in pixels (both even, as H.264 yuv420p needs)."""
    if aspect not in _RATIO:
        raise InputError(f"unknown aspect ratio {aspect!r}; use 9:16, 16:9 or 1:1", stage=Stage.RENDER)
    if resolution not in _SHORT_SIDE:
        raise InputError(f"unknown resolution {resolution!r}; use 1080p, 720p or 360p", stage=Stage.RENDER)
    short = _SHORT_SIDE[resolution]
    w, h = _RATIO[aspect]
    long = round(short * max(w, h) / min(w, h) / 2) * 2
    return (short, long) if w < h else (long, short) if w > h else (short, short)


@dataclass
class StageChoice:
    """Which backend a stage uses and that backend's own options."""

    backend: str
    options: dict[str, Any] = field(default_factory=dict)


Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Line = Annotated[str, Field(max_length=200)]


@dataclass
class CaptionStyle:
    enabled: bool = True
    size: Annotated[float, Field(ge=0.02, le=0.15)] = 0.06  # font size, a fraction of the short side
    position: Literal["bottom", "middle", "top"] = "bottom"
    color: Color = "#FFFFFF"
    max_words: Annotated[int, Field(ge=1, le=12)] = 5
    # phrase: the phrase being said; highlight: the phrase, the spoken word in the highlight colour (or on
    # a box of it); word: one large word at a time
    style: Literal["phrase", "highlight", "word"] = "phrase"
    highlight_color: Color = "#FFD400"
    highlight_box: bool = False
    weight: Literal["bold", "regular"] = "bold"
    outline: bool = True
    shadow: bool = True
    box: bool = False  # a dark translucent box behind the caption


@dataclass
class Settings:
    aspect: Aspect = "9:16"
    resolution: Resolution = "1080p"
    fps: Literal[24, 25, 30, 60] = 30
    # "auto": the best backend present, resolved at the start of each run (see auto.py)
    script: StageChoice = field(default_factory=lambda: StageChoice("auto"))
    images: StageChoice = field(default_factory=lambda: StageChoice("auto"))
    voice: StageChoice = field(default_factory=lambda: StageChoice("auto"))
    # More Piper voices (.onnx + .onnx.json) for "auto" to choose by language; the operator's on a server.
    voices_folder: str = ""
    speed: Annotated[float, Field(ge=0.5, le=2.0)] = 1.0
    captions: CaptionStyle = field(default_factory=CaptionStyle)
    music: str = "default"  # "default" (the bundled track), "none", or an audio file inside the project
    music_volume: Annotated[float, Field(ge=0.0, le=1.0)] = 0.12
    seed: Annotated[int, Field(ge=0)] = 0
    # How words are said ("GIF" -> "jif"): what the narrator hears, never what the captions show.
    pronunciations: Annotated[dict[Line, Line], Field(max_length=500)] = field(default_factory=dict)
    tighten_pauses: bool = False  # shorten silences inside and between narrations
    # with tighten_pauses: the longest silence kept between words
    max_pause_s: Annotated[float, Field(ge=0.05, le=2.0)] = 0.3
    audience: Line = "a general audience"
    tone: Line = "friendly and clear"
    title_card: bool = True  # the video opens on a card with its title
    end_card: bool = True  # and closes on a card with the credits the shipped assets' licences ask for

    @property
    def size(self) -> tuple[int, int]:
        return frame_size(self.aspect, self.resolution)


@dataclass
class ImageVersion:
    """A picture a scene had before, to go back to: its file, key, where it came from, what it shows."""

    path: str
    key: str = ""
    source: Literal["generated", "upload", "kept"] = "kept"
    details: dict[str, Any] = field(default_factory=dict)


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
    image_history: list[ImageVersion] = field(default_factory=list)
    # The pictograms the person chose for the offline illustrator (empty: the scene's words decide), and
    # what the picture maker put in the picture (pictograms drawn, with the words that chose them).
    pictograms: list[str] = field(default_factory=list)
    image_details: dict[str, Any] = field(default_factory=dict)
    audio: str | None = None
    audio_key: str | None = None
    duration: float | None = None

    @property
    def folder(self) -> str:
        return f"scenes/{self.id}"


@dataclass
class OwnText:
    """A person's own text as the source of the script: read as written, or condensed to a length."""

    text: str
    mode: Literal["as-written", "condense", "rewrite"] = "as-written"
    length_s: float | None = None  # the length wanted, in seconds (condense aims at it; default 60)


@dataclass
class Project:
    topic: str
    title: str = ""
    language: str = "en"
    settings: Settings = field(default_factory=Settings)
    own_text: OwnText | None = None  # set when the script comes from the person's text, not a topic
    scenes: list[Scene] = field(default_factory=list)
    # Which backend each stage last used and why ({"script": {"backend": "local", "why": "..."}}).
    ran: dict[str, dict[str, str]] = field(default_factory=dict)
    # What the last render did, piece by piece ({"pieces": [{"label", "frames", "reused", "seconds"}]}).
    render_trace: dict[str, Any] = field(default_factory=dict)
    # What the script writer was sent and answered, for the "How it works" panels.
    script_trace: dict[str, Any] = field(default_factory=dict)
    version: int = FORMAT_VERSION

    def new_scene_id(self) -> str:
        used = [int(s.id) for s in self.scenes if s.id.isdigit()]
        return f"{max(used, default=0) + 1:02d}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Span = tuple[str, Seconds, Seconds]  # a sentence or a word of a narration: its text, start and end


@dataclass
class Timings:
    """What a narration's ``.json`` holds beside its ``.wav``: its length, what was said, and when each
    sentence and word is said, in seconds from its start (read with ``read_timings``)."""

    duration: Seconds
    sentences: list[Span]
    words: list[Span] = field(default_factory=list)
    said: str = ""
    phonemes: list[Any] = field(default_factory=list)


_adapter = TypeAdapter(Project)
_timings_adapter = TypeAdapter(Timings)


class ProjectFolder:
    """A project together with the folder it lives in, and the limits of whoever is working on it."""

    def __init__(self, root: Path, project: Project, limits: Limits = LOCAL, *, from_elsewhere: bool = False):
        self.root = Path(root)
        self.project = project
        self.limits = limits
        # What opening the project changed or dropped (old absolute paths, options not allowed here).
        self.notes: list[str] = []
        self.from_elsewhere = from_elsewhere  # a zip: it names no files, models or servers of this machine

    @property
    def adopt_outside(self) -> bool:
        """Whether outside files the project names are copied in (see ``open``)."""
        return not (self.from_elsewhere or self.limits.public)

    @classmethod
    def create(cls, root: Path, project: Project, limits: Limits = LOCAL) -> ProjectFolder:
        folder = cls(root, project, limits)
        limits.check_scene_count(len(project.scenes))
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
            project = _adapter.validate_python(_upgrade(read_json(path)))
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
        if stored.parent.as_posix() == scene.folder and stored.name.startswith("voice-"):
            for relative in (stored.as_posix(), timings_path(stored.as_posix())):
                self.path(str(relative)).unlink(missing_ok=True)
        scene.audio = scene.audio_key = None

    @property
    def captions_vtt(self) -> Path:
        """The captions as WebVTT, with each word's time (written beside ``captions.srt``)."""
        return self.root / "captions.vtt"

    @property
    def cache(self) -> Path:
        return self.root / "cache"


def textless_path(image: str) -> str:
    """Where the layer that takes a scene's picture's text away (``images.layers``) is kept beside it."""
    return str(PurePosixPath(image).with_suffix(".textless.png"))


def timings_path(audio: str | None) -> str | None:
    """The ``.json`` of sentence and word timings kept beside a narration's ``.wav``."""
    return audio[: -len(".wav")] + ".json" if audio else None


def read_json(path: Path) -> Any:
    """The JSON in a project's file; an InputError naming the file when it is not JSON, or nests lists
    and objects more than MAX_NESTING deep (never a RecursionError later)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name} is not valid JSON: {exc}") from None
    except RecursionError:
        raise _nested_too_deep(path) from None
    if _nests_deeper(data, MAX_NESTING):
        raise _nested_too_deep(path)
    return data


def _nested_too_deep(path: Path) -> InputError:
    return InputError(f"{path.name} nests lists or objects more than {MAX_NESTING} deep")


def _nests_deeper(data: Any, limit: int) -> bool:
    """Whether ``data`` holds lists and objects more than ``limit`` inside each other (walked level by
    level, without recursion)."""
    level = [data]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return any(isinstance(item, dict | list) for item in level)


def read_timings(voice: Path, timings: Path) -> dict[str, Any]:
    """A narration's timings checked against its recording: finite and not negative, the length they
    state within DURATION_TOLERANCE_S of the recording's real one (the length returned), and every
    sentence and word ending after it starts and by SPAN_SLACK_S after the recording. An InputError naming
    what does not fit."""
    seconds = wav_seconds(voice)
    try:
        stated = _timings_adapter.validate_python(read_json(timings))
    except ValidationError as exc:
        raise InputError(f"{timings.name}: {invalid(exc)}") from None
    if abs(stated.duration - seconds) > DURATION_TOLERANCE_S:
        raise InputError(
            f"{timings.name} says {stated.duration:,.2f} s but {voice.name} lasts {seconds:.2f} s"
        )
    for text, start, end in (*stated.sentences, *stated.words):
        if not start <= end <= seconds + SPAN_SLACK_S:
            raise InputError(
                f"{timings.name} times {text[:40]!r} outside {voice.name}, or ending before it starts"
            )
    return {**asdict(stated), "duration": seconds}


def _absolute(stored: str) -> bool:
    """Absolute on any system: "/x", "C:\\x", "\\\\server\\x" (a project may come from another one)."""
    return PureWindowsPath(stored).is_absolute() or stored[:1] in ("/", "\\")


def _upgrade(data: Any) -> Any:
    """An older project.json as this version reads it. Version 1: picture history entries were bare
    paths (the key was the file name's hash; "upload-" files were uploads). Version 2: two stages had
    their former names. Paths are settled after validation."""
    version = data.get("version", 1) if isinstance(data, dict) else FORMAT_VERSION
    if isinstance(version, str) and version.isdigit():  # pydantic reads "2" as 2 too
        version = int(version)
    if not isinstance(version, int) or version >= FORMAT_VERSION:
        return data
    for part in ("settings", "ran"):
        if isinstance(data.get(part), dict):
            data[part] = current_names(data[part])
    if version >= 2:
        return data
    for scene in data.get("scenes", []) if isinstance(data.get("scenes"), list) else []:
        if isinstance(scene, dict) and isinstance(scene.get("image_history"), list):
            scene["image_history"] = [
                _old_version(p) if isinstance(p, str) else p for p in scene["image_history"]
            ]
    return data


def _old_version(path: str) -> dict[str, str]:
    name = PurePath(path).name
    return {
        "path": path,
        "key": PurePath(path).stem.split("-", 1)[-1],
        "source": "upload" if name.startswith("upload-") else "kept",
    }


def _setter(container: Any, key: Any, empty: Any = None) -> Any:
    """A function that stores a value at ``container[key]`` (or its attribute ``key``); None as ``empty``."""

    def replace(value: Any) -> None:
        value = empty if value is None else value
        if isinstance(container, dict | list):
            container[key] = value
        else:
            setattr(container, key, value)

    return replace
