"""The protocol every backend follows, and the data that flows between stages.

A backend is a class with a ``name``, the ``stage`` it serves, a nested pydantic ``Options`` model
(unknown or invalid options fail early, naming the option) and a ``readiness()`` classmethod that says
whether it can run here and, if not, exactly why. The registry (``registry.py``) is the only place
that knows every backend.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import InputError, ProviderFailed, invalid
from .stage import Stage
from .text import sentences


class Options(BaseModel):
    """Base for each backend's own options: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class Backend:
    """Common part of every backend: subclasses set the class attributes and implement their stage."""

    name: ClassVar[str]
    stage: ClassVar[Stage]
    description: ClassVar[str] = ""
    needs_network: ClassVar[bool] = False
    offline_default: ClassVar[bool] = False
    Options: ClassVar[type[Options]] = Options
    # The version of the code that makes this backend's output: raise it when the output changes for the
    # same inputs (a new card design, a fixed voice), so cached artifacts made by the old code are remade.
    version: ClassVar[str] = "1"
    # Whether the person asked to stop: a backend that waits long (a model's process) checks it and ends
    # its work; set by the pipeline, per run.
    stopping: Callable[[], bool] | None = None

    def __init__(self, options: Options | None = None):
        self.options = options if options is not None else self.Options()

    @classmethod
    def parse_options(cls, raw: dict[str, Any] | None) -> Options:
        try:
            return cls.Options(**(raw or {}))
        except ValidationError as exc:
            raise InputError(
                f"invalid options: {invalid(exc, every=True)}", stage=cls.stage, provider=cls.name
            ) from None

    @classmethod
    def readiness(cls) -> str | None:
        """None when the backend can run here, else the reason it cannot (and what to do)."""
        return None

    def settings_key(self) -> dict[str, Any]:
        """Everything about this backend that changes its output; part of every artifact's hash."""
        return {
            "backend": self.name,
            "version": self.version,
            "options": self.options.model_dump(mode="json"),
        }


def missing_packages(*modules: str) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


def stable_hash(*parts: Any) -> str:
    """Short content hash of JSON-able parts (bytes are hashed as they are)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes | bytearray):
            digest.update(part)
        else:
            digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


# ---- script writers --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptRequest:
    topic: str
    scenes: int = 5
    audience: str = "a general audience"
    tone: str = "friendly and clear"
    language: str = "en"
    seed: int = 0
    # A person's own text (the "text" writer turns it into scenes), how to use it, and the length wanted.
    text: str = ""
    # as-written and condense: the "text" writer, with the person's words only; rewrite: a chat writer
    # retells the text in scenes (it may reword, so its script is a draft to check against the text)
    mode: Literal["as-written", "condense", "rewrite"] = "as-written"
    length_s: float | None = None
    words_per_second: float = 2.5


@dataclass
class SceneDraft:
    narration: str
    image_prompt: str
    heading: str = ""  # the heading of a person's own text that this scene starts under


@dataclass
class Script:
    title: str
    scenes: list[SceneDraft]
    # What was actually sent and received, for the "How it works" panels and for debugging.
    trace: dict[str, Any] = field(default_factory=dict)


class ScriptWriter(Backend):
    stage = Stage.SCRIPT
    # The languages (ISO 639-1 codes) this writer writes; None: any language its model knows.
    languages: ClassVar[frozenset[str] | None] = None

    # Called with the reply so far while a writer streams it (the studio and the CLI show the script
    # being written); set by the pipeline, per run.
    listener: Callable[[str], None] | None = None

    @classmethod
    def writes(cls, language: str) -> bool:
        return cls.languages is None or language.lower().split("-")[0] in cls.languages

    def write(self, request: ScriptRequest) -> Script:
        raise NotImplementedError


# ---- image makers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    width: int
    height: int
    seed: int
    # Context an image maker may use (the offline card shows the video title and "02 / 05").
    title: str = ""
    index: int = 0
    total: int = 1
    language: str = "en"
    # Pictograms the person chose for this scene (the offline illustrator draws these instead of its own;
    # a choice naming no known pictogram, such as ("none",), means none).
    pictograms: tuple[str, ...] = ()
    # The whole script, for what a picture says in the light of the others (the offline card's headline
    # differs from the scene before's, its pictograms show what sets the scene apart): every scene's prompt
    # in order (``index`` is this one's), and every scene's heading in the person's own text ("" where none
    # starts there).
    script: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Picture:
    """A picture made for a scene and, where its maker draws text on it (a headline, badges), the same
    picture without that text: the crossfades fade the text out and in rather than through each other."""

    image: Image.Image
    textless: Image.Image | None = None


class ImageMaker(Backend):
    stage = Stage.IMAGES
    # Which context fields of ImageRequest (title, index, total) the picture depends on,
    # besides the prompt, size and seed.
    context_fields: ClassVar[tuple[str, ...]] = ()

    def request_key(self, request: ImageRequest) -> dict[str, Any]:
        """What of the request changes this maker's output (part of the image's hash)."""
        used = {"prompt", "width", "height", "seed", *self.context_fields}
        return {name: value for name, value in asdict(request).items() if name in used}

    def make(self, request: ImageRequest) -> Image.Image:
        raise NotImplementedError

    def make_picture(self, request: ImageRequest) -> Picture:
        """The picture with its textless layer, where this maker draws text apart from the picture."""
        return Picture(self.make(request))

    def details(self, request: ImageRequest) -> dict[str, Any]:
        """What this maker puts in the picture for ``request`` beyond the prompt (the offline
        illustrator's pictograms and the words that chose them), for the studio and project.json. Text
        drawn in the picture names its box under ``KEEP_CLEAR``, so that the captions keep clear of it."""
        del request
        return {}


# The details' key of a box of the picture the captions keep clear of (a headline drawn in it): [left,
# top, right, bottom] as fractions of the picture's width and height.
KEEP_CLEAR = "keep_clear"


# ---- narrators -------------------------------------------------------------------------------


@dataclass
class Speech:
    """Mono float32 samples in [-1, 1] plus sentence and word spans (text, start_s, end_s) for captions;
    ``words`` is empty when the narrator cannot time them (they are then found in the audio)."""

    samples: np.ndarray
    sample_rate: int
    sentences: list[tuple[str, float, float]]
    words: list[tuple[str, float, float]] = field(default_factory=list)
    # Per sentence, the sounds the voice said (IPA, from its own phonemizer), where it tells them.
    phonemes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 8_000, 192_000
SPAN_SLACK_S = 0.05  # how far past the audio's end a timed span may reach (rounding)


def checked_speech(data: Any, *, stage: Stage, provider: str) -> Speech:
    """Speech from a narrator's process, checked like any other input: mono finite samples (clipped to
    [-1, 1]), a plausible sample rate, and spans of text that lie inside the audio, in order."""

    def failed(why: str) -> ProviderFailed:
        return ProviderFailed(f"the voice's process sent back {why}", stage=stage, provider=provider)

    try:
        samples = np.asarray(data["samples"], dtype=np.float32)
        rate = int(data["sample_rate"])
        spans = {
            name: [(str(text), float(start), float(end)) for text, start, end in data[name]]
            for name in ("sentences", "words")
        }
        phonemes = [str(said) for said in data["phonemes"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise failed(f"malformed speech ({exc.__class__.__name__})") from None
    if samples.ndim != 1 or not samples.size or not np.isfinite(samples).all():
        raise failed("audio that is not mono, finite sound")
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise failed(f"a sample rate of {rate} Hz")
    duration = len(samples) / rate
    for name, timed in spans.items():
        starts = [0.0] + [start for _, start, _ in timed]
        if any(
            not (before <= start <= end <= duration + SPAN_SLACK_S)
            for (_, start, end), before in zip(timed, starts, strict=False)
        ):
            raise failed(f"{name} timed outside the audio or out of order")
    return Speech(np.clip(samples, -1.0, 1.0), rate, spans["sentences"], spans["words"], phonemes)


def speak_sentences(
    text: str, synthesize: Callable[[str], np.ndarray], sample_rate: int, pause_s: float, *, provider: str
) -> Speech:
    """Synthesise ``text`` sentence by sentence, so each sentence's span (used by captions) is exact."""
    pause = np.zeros(round(pause_s * sample_rate), dtype=np.float32)
    pieces: list[np.ndarray] = []
    spans: list[tuple[str, float, float]] = []
    cursor = 0
    for sentence in sentences(text):
        audio = np.asarray(synthesize(sentence), dtype=np.float32).reshape(-1)
        if not audio.size:
            continue
        if pieces:
            pieces.append(pause)
            cursor += len(pause)
        pieces.append(audio)
        spans.append((sentence, cursor / sample_rate, (cursor + len(audio)) / sample_rate))
        cursor += len(audio)
    if not pieces:
        raise ProviderFailed(f"no speech produced for {text[:60]!r}", stage=Stage.VOICE, provider=provider)
    return Speech(samples=np.concatenate(pieces), sample_rate=sample_rate, sentences=spans)


class Narrator(Backend):
    stage = Stage.VOICE

    def narrate(self, text: str, *, speed: float = 1.0, language: str = "en") -> Speech:
        raise NotImplementedError
