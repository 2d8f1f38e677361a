"""Render a list of scenes into an MP4: plan segments, encode only the missing ones, join, add sound.

The video is cut into pieces: each scene's *body* (shown alone, with its captions) and each *crossfade*
between two scenes, and, where the cards are asked for, the title card's and the end card's bodies and
their crossfades (``cards.py``). In a crossfade the pictures' texts (a card's headline and badges) fade
out and in around the middle rather than through each other, where a picture has its textless layer. A
piece's file name is the hash of everything that affects its pixels, so after an edit only the pieces that
changed are encoded again; the rest are reused and joined without re-encoding.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from platformdirs import user_cache_dir

from .. import keys
from ..backend import KEEP_CLEAR
from ..errors import InputError
from ..files import temp_name, write_json, write_text
from ..images import layers
from ..project import CaptionStyle
from ..speech import word_timing
from ..stage import Stage
from . import audio, captions, encoder, frames
from .caption_art import CaptionLook
from .cards import Cards
from .shots import ShotLoader
from .timeline import Slot, Timeline, build

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class SceneInput:
    image: Path
    image_key: str
    voice: Path
    voice_key: str
    duration: float
    sentences: tuple[tuple[str, float, float], ...]
    words: tuple[tuple[str, float, float], ...] = ()  # none stored: found in the narration's audio
    textless: Path | None = None  # what lies under the picture's text (``images.layers``), if kept
    # A box of the picture the captions keep clear of (its headline): left, top, right, bottom as
    # fractions of the picture (see ``keep_clear_of``).
    keep_clear: tuple[float, float, float, float] | None = None


def keep_clear_of(details: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """The box a picture maker's ``details`` name under ``KEEP_CLEAR``, or None (none, or not a box)."""
    box = details.get(KEEP_CLEAR)
    if not isinstance(box, list | tuple) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
        return None
    left, top, right, bottom = (min(1.0, max(0.0, float(v))) for v in box)
    return (left, top, right, bottom) if left < right and top < bottom else None


Textless = Callable[[], np.ndarray | None]  # a picture without its text, made when first needed


@dataclass(frozen=True)
class Still:
    """What a slot shows, named by ``key``: ``load(width, height)`` gives its picture at that frame size
    (an I420 frame) and a function giving the same picture without its text, where ``layered`` (None
    where it has none), made when a crossfade first needs it. A scene's ``layered`` is decided by
    decoding its layer, as the crossfade will: the crossfade's key says what it shows."""

    key: str
    layered: bool
    load: Callable[[int, int], tuple[np.ndarray, Textless]]

    @classmethod
    def of_scene(cls, scene: SceneInput) -> Still:
        kept = scene.textless if _layer_fits(scene.textless, scene.image) else None

        def load(width: int, height: int) -> tuple[np.ndarray, Textless]:
            with Image.open(scene.image) as opened:
                picture = opened.convert("RGB")

            def textless() -> np.ndarray | None:
                if kept is None:
                    return None
                try:
                    with Image.open(kept) as under:
                        return frames.fit_i420(layers.without_text(picture, under), width, height)
                except (OSError, ValueError) as exc:  # a piece keyed as layered must show the layer
                    raise InputError(
                        f"{kept.name} changed during the render ({exc}): render again", stage=Stage.RENDER
                    ) from None

            return frames.fit_i420(picture, width, height), textless

        return cls(scene.image_key, kept is not None, load)

    @classmethod
    def of_card(cls, cards: Cards, kind: str) -> Still:
        def load(width: int, height: int) -> tuple[np.ndarray, Textless]:
            drawn = cards.draw(kind, width, height)

            def textless() -> np.ndarray | None:
                return None if drawn.textless is None else frames.fit_i420(drawn.textless, width, height)

            return frames.fit_i420(drawn.image, width, height), textless

        return cls(cards.key(kind), True, load)


def _layer_fits(textless: Path | None, image: Path) -> bool:
    """Whether a textless layer is there, is its picture's size and decodes to the end (decoded once per
    version of the two files)."""
    if textless is None or not textless.is_file():
        return False
    try:
        versions = tuple((str(p), (st := p.stat()).st_size, st.st_mtime_ns) for p in (textless, image))
    except OSError:
        return False
    return _decodes_whole(*versions)


@lru_cache(maxsize=256)
def _decodes_whole(textless: tuple[str, int, int], image: tuple[str, int, int]) -> bool:
    """Whether the layer (path, size, mtime) decodes to the end at its picture's size."""
    try:
        with Image.open(textless[0]) as layer, Image.open(image[0]) as picture:
            if layer.size != picture.size:
                return False
            layer.load()
            return True
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


@dataclass(frozen=True)
class Segment:
    key: str
    frames: int
    label: str
    frame_at: Callable[[int], np.ndarray]
    shows: tuple[tuple[Slot, bool], ...]  # the slots it shows, and whether it fades their text


@dataclass(frozen=True)
class RenderResult:
    video: Path
    captions: list[captions.Cue]
    duration: float
    frames: int
    encoded_segments: int
    reused_segments: int
    # Each piece in order: its label, frames, whether it was reused, and the seconds spent making it.
    pieces: list[dict[str, Any]] = field(default_factory=list)


class Plan:
    """Every piece of the video: where it falls, what it shows (``frame_at``), and its cache key."""

    def __init__(
        self, scenes: list[SceneInput], width: int, height: int, fps: int, style: CaptionStyle,
        tight: bool = False, language: str = "", cards: Cards | None = None,
    ) -> None:  # fmt: skip
        self.scenes, self.width, self.height, self.fps, self.style = scenes, width, height, fps, style
        self.timeline: Timeline = build(
            [s.duration for s in scenes], fps, tight=tight, **(cards.lengths if cards else {})
        )
        self.cues = [
            captions.cues_for(
                list(scene.sentences), slot.voice_start, style.max_words, self._words(scene), language
            )
            for scene, slot in zip(scenes, self.timeline.slots, strict=True)
        ]
        self.all_cues = [cue for scene_cues in self.cues for cue in scene_cues]
        self.stills = {
            slot: Still.of_scene(scene) for scene, slot in zip(scenes, self.timeline.slots, strict=True)
        }
        for card in (self.timeline.title, self.timeline.end):
            if card is not None and cards is not None:
                self.stills[card] = Still.of_card(cards, card.kind)
        self.shot_loader = ShotLoader(self._make_shot)

    @staticmethod
    def _words(scene: SceneInput) -> list[word_timing.Word]:
        """The scene's word timings: stored with its narration, or found in its audio."""
        stored = scene.words
        if stored or not scene.voice.is_file():
            return list(stored)
        return word_timing.words_from_wav(scene.voice, scene.sentences)

    def _clear_rows(self, slot: Slot) -> tuple[int, int] | None:
        """The rows of the frame a scene's box to keep clear covers at some time of its motion (a card
        has none: it shows no captions)."""
        box = self.scenes[slot.index].keep_clear if slot.kind == "scene" else None
        if box is None:
            return None
        motion = frames.Motion.seeded(self.stills[slot].key)
        return motion.rows_reached(box[1] * self.height, box[3] * self.height, self.height)

    def shot(self, slot: Slot) -> frames.LayeredShot:
        """The slot's picture in motion (see ``ShotLoader``)."""
        return self.shot_loader.get(slot)

    def _make_shot(self, slot: Slot) -> frames.LayeredShot:
        still = self.stills[slot]
        picture, textless = still.load(self.width, self.height)
        return frames.LayeredShot(picture, textless, frames.Motion.seeded(still.key), slot.frames)

    def _frame_format(self) -> dict[str, object]:
        return keys.frame_format(self.width, self.height, self.fps)

    def body(self, slot: Slot, settings: encoder.EncoderSettings) -> Segment:
        first, last = slot.body
        scene = slot.kind == "scene"
        cues = self.cues[slot.index] if scene and self.style.enabled else []
        # Cue frames counted from the body's first frame: moving the scene in time keeps its key.
        voice = slot.voice_frame - first

        def at(seconds: float) -> int:
            return voice + round((seconds - slot.voice_start) * self.fps)

        shown = [
            captions.FrameCue(
                c.text,
                at(c.start),
                at(c.end),
                tuple(w for w, _, _ in c.words),
                tuple(at(s) for _, s, _ in c.words),
            )
            for c in cues
        ]
        mode = self.style.style
        clear = self._clear_rows(slot)
        style = {**asdict(self.style), "clear": clear} if scene else {}  # a card has no captions
        key = keys.scene_piece(
            self._frame_format(), settings.key(), self.stills[slot].key,
            [slot.frames, slot.fade_in, slot.fade_out], [c.key(mode) for c in shown], style,
        )  # fmt: skip
        # A picture per (phrase, highlighted word): made when first shown, kept while it may come back.
        look = CaptionLook.of(self.style)
        picture = lru_cache(maxsize=8)(
            partial(frames.caption_picture, look, width=self.width, height=self.height, clear=clear)
        )

        def frame_at(i: int) -> np.ndarray:
            image = self.shot(slot).frame(slot.fade_in + i)
            cue = next((c for c in shown if c.start <= i < c.end), None)
            if cue is not None:
                text, highlight, single = cue.shown_at(i, mode)
                picture(text, highlight=highlight, single=single).blend_onto(image)
            return image

        label = f"scene {slot.index + 1}" if scene else f"{slot.kind} card"
        return Segment(key, last - first, label, frame_at, ((slot, False),))

    def crossfade(self, slot: Slot, nxt: Slot, settings: encoder.EncoderSettings) -> Segment:
        count = slot.fade_out
        before, after = self.stills[slot], self.stills[nxt]
        key = keys.crossfade_piece(
            self._frame_format(), settings.key(), [before.key, slot.frames, before.layered],
            [after.key, nxt.frames, after.layered], count,
        )  # fmt: skip

        def frame_at(i: int) -> np.ndarray:
            weight = (i + 1) / (count + 1)
            text_out, text_in = frames.text_weights(weight)
            a = self.shot(slot).frame(slot.frames - count + i, text_out)
            b = self.shot(nxt).frame(i, text_in)
            return frames.crossfade(a, b, weight)

        label = f"transition {_name(slot)}→{_name(nxt)}"
        return Segment(key, count, label, frame_at, ((slot, True), (nxt, True)))

    def segments(self, settings: encoder.EncoderSettings) -> Iterator[Segment]:
        shots = self.timeline.shots
        for n, slot in enumerate(shots):
            yield self.body(slot, settings)
            if slot.fade_out:
                yield self.crossfade(slot, shots[n + 1], settings)


SEGMENTS = "segments"  # the folder of a project's cache that holds its pieces, ``KEY.h264``


def any_piece_kept(cache: Path) -> bool:
    """Whether a render kept a piece in the project's ``cache`` (none: the next render is its first)."""
    return any((cache / SEGMENTS).glob("*.h264"))


def _name(slot: Slot) -> str:
    """A slot as piece labels name it: the scene's number, or the card's kind."""
    return str(slot.index + 1) if slot.kind == "scene" else slot.kind


def render(
    scenes: list[SceneInput],
    *,
    out: Path,
    srt: Path | None,
    cache: Path,
    width: int,
    height: int,
    fps: int,
    style: CaptionStyle,
    music: Path | None,
    music_volume: float,
    preview: bool = False,
    tight: bool = False,
    language: str = "",
    cards: Cards | None = None,
    progress: Progress | None = None,
) -> RenderResult:
    """Render ``scenes`` into ``out`` (``tight``: shorter silences around each narration; ``language``:
    the captions', for where a phrase may break; ``cards``: the title and end cards, None for none), in
    named steps:
    plan the pieces, look them up in the cache, mix the sound while the missing pieces are encoded, join
    and mux, write the captions, sweep what no render needs any more."""
    report = progress or (lambda fraction, message: None)
    plan = Plan(scenes, width, height, fps, style, tight, language, cards)
    settings = encoder.choose(preview)
    segments = list(plan.segments(settings))
    seg_dir = cache / SEGMENTS
    seg_dir.mkdir(parents=True, exist_ok=True)
    missing = [s for s in segments if not (seg_dir / f"{s.key}.h264").is_file()]
    sound = cache / f"sound-{_sound_key(plan, music, music_volume)}.m4a"
    key_file, final_key = cache / f"{out.name}.key", keys.video([s.key for s in segments], sound.name)
    if out.is_file() and key_file.is_file() and key_file.read_text() == final_key:
        report(1.0, "nothing changed: the video is up to date")
        _write_srt(srt, plan.all_cues, style)
        return _result(out, plan, segments, {})

    plan.shot_loader.ahead(need for segment in missing for need in segment.shows)
    try:
        spent = _mix_while_encoding(plan, sound, music, music_volume, missing, seg_dir, settings, report)
    finally:
        plan.shot_loader.close()
    _join_and_mux(segments, seg_dir, sound, out, fps)
    write_text(key_file, final_key)
    _write_srt(srt, plan.all_cues, style)
    _sweep(seg_dir, out.name, {s.key for s in segments})
    for old in cache.glob("sound-*.m4a"):
        if old != sound:
            old.unlink(missing_ok=True)
    report(1.0, "done")
    return _result(out, plan, segments, {id(s): spent.get(n, 0.0) for n, s in enumerate(missing)})


def _sound_key(plan: Plan, music: Path | None, music_volume: float) -> str:
    """The sound track's key: each narration where it starts, and the music by its name (a project's
    music file is named by its content) and size."""
    voices_at = [
        [s.voice_key, slot.voice_start] for s, slot in zip(plan.scenes, plan.timeline.slots, strict=True)
    ]
    music_key = [music.name, music.stat().st_size] if music else None
    return keys.sound(voices_at, music_key, music_volume, plan.timeline.duration)


def _mix_while_encoding(
    plan: Plan, sound: Path, music: Path | None, music_volume: float, missing: list[Segment],
    seg_dir: Path, settings: encoder.EncoderSettings, report: Progress,
) -> dict[int, float]:  # fmt: skip
    """The sound needs no frames: it is mixed in a thread while the missing pieces are encoded."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sound") as background:
        mixing = None
        if not sound.is_file():
            voices = [s.voice for s in plan.scenes]
            mixing = background.submit(
                audio.sound_track, plan.timeline, voices, sound, music=music, music_volume=music_volume
            )
        spent = _encode_missing(missing, seg_dir, plan.width, plan.height, plan.fps, settings, report)
        report(0.96, "mixing narration and music")
        if mixing:
            mixing.result()
    return spent


def _join_and_mux(segments: list[Segment], seg_dir: Path, sound: Path, out: Path, fps: int) -> None:
    """The pieces joined without re-encoding, with the sound, into ``out``."""
    joined = temp_name(seg_dir.parent / "joined.h264")
    try:
        with open(joined, "wb") as sink:
            for segment in segments:
                sink.write((seg_dir / f"{segment.key}.h264").read_bytes())
        audio.mux(joined, sound, out, fps=fps)
    finally:
        joined.unlink(missing_ok=True)


def _result(out: Path, plan: Plan, segments: list[Segment], spent: dict[int, float]) -> RenderResult:
    """What the render did; ``spent`` holds the seconds of each piece it encoded (by ``id``)."""
    pieces = [_piece(s, id(s) not in spent, spent.get(id(s), 0.0)) for s in segments]
    encoded = len(spent)
    return RenderResult(
        out, plan.all_cues, plan.timeline.duration, plan.timeline.frames, encoded, len(segments) - encoded,
        pieces,
    )  # fmt: skip


def _piece(segment: Segment, reused: bool, seconds: float) -> dict[str, Any]:
    return {"label": segment.label, "frames": segment.frames, "reused": reused, "seconds": round(seconds, 3)}


def _encode_missing(
    missing: list[Segment], seg_dir: Path, width: int, height: int, fps: int,
    settings: encoder.EncoderSettings, report: Progress,
) -> dict[int, float]:  # fmt: skip
    """Encode the missing pieces; the seconds each took (from its first frame to its last)."""
    if not missing:
        return {}
    total = sum(s.frames for s in missing)
    speed = Speed(width, height, settings)
    report(0.0, f"rendering {total} frames, about {speed.estimate(total):.0f} s")
    done = 0
    started = time.monotonic()

    first: dict[int, float] = {}
    spent: dict[int, float] = {}

    def tick(piece: int) -> None:
        nonlocal done
        done += 1
        now = time.monotonic()
        spent[piece] = now - first.setdefault(piece, now)
        if done % 15 == 0:
            left = (total - done) * (time.monotonic() - started) / done
            report(0.95 * done / total, f"rendering {missing[piece].label}, {left:.0f} s left")

    pieces = [encoder.Piece(seg_dir / f"{s.key}.h264", s.frames, s.frame_at) for s in missing]
    encoder.encode(pieces, width=width, height=height, fps=fps, settings=settings, on_frame=tick)
    speed.remember(total / max(1e-3, time.monotonic() - started))
    return spent


class Speed:
    """Frames per second this machine renders at, per size and encoder, remembered between renders.

    The first estimate assumes a pixel rate typical of two CPU cores; every render corrects it.
    """

    DEFAULT_PIXELS_PER_S = 60e6

    def __init__(self, width: int, height: int, settings: encoder.EncoderSettings):
        self.key = f"{width}x{height}-{settings.codec}-{settings.preset}"
        self.pixels = width * height
        self.file = Path(user_cache_dir("videocreator")) / "render-speed.json"

    def _known(self) -> dict[str, float]:
        try:
            return json.loads(self.file.read_text())
        except (OSError, ValueError):
            return {}

    def estimate(self, frames: int) -> float:
        fps = self._known().get(self.key) or self.DEFAULT_PIXELS_PER_S / self.pixels
        return frames / fps

    def remember(self, fps: float) -> None:
        with contextlib.suppress(OSError):
            write_json(self.file, {**self._known(), self.key: round(fps, 2)})


def _write_srt(srt: Path | None, cues: list[captions.Cue], style: CaptionStyle) -> None:
    """The captions as SubRip and, beside them, WebVTT with each word's time (``captions.vtt``)."""
    if srt is not None:
        write_text(srt, captions.to_srt(cues))
        write_text(srt.with_suffix(".vtt"), captions.to_vtt(cues))


def _sweep(seg_dir: Path, output_name: str, used: set[str]) -> None:
    """Keep the segments of the latest render of each output; delete the rest."""
    manifests = seg_dir.parent / "segments.json"
    kept: dict[str, list[str]] = json.loads(manifests.read_text()) if manifests.is_file() else {}
    kept[output_name] = sorted(used)
    write_json(manifests, kept)
    keep = {key for keys in kept.values() for key in keys}
    for path in seg_dir.glob("*.h264"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)
