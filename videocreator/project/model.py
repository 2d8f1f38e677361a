"""What project.json holds: the topic, the settings, the scenes and what ran."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field

from ..errors import InputError
from ..stage import Stage

PROJECT_FILE = "project.json"
# 2: every file the project uses is inside its folder, stored relative to it; 3: stages named as in
# stage.py (settings.script was settings.writer)
FORMAT_VERSION = 4
MEDIA = "media"  # the person's own files (music, a voice to clone), copied in
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
    # Empty: the default voices folder, which `videocreator voices add` fills (voices/folder.py).
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
    heading: str = ""  # the heading of the person's own text that this scene starts ("" for none)
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
