"""Render a list of scenes into an MP4: plan segments, encode only the missing ones, join, add sound.

The video is cut into pieces: each scene's *body* (shown alone, with its captions) and each *crossfade*
between two scenes. A piece's file name is the hash of everything that affects its pixels, so after an
edit only the pieces that changed are encoded again; the rest are reused and joined without re-encoding.
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
from platformdirs import user_cache_dir

from .. import keys
from ..backend import KEEP_CLEAR
from ..files import temp_name, write_json, write_text
from ..project import CaptionStyle
from ..speech import word_timing
from . import audio, captions, encoder, frames
from .caption_art import CaptionLook
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


@dataclass(frozen=True)
class Segment:
    key: str
    frames: int
    label: str
    frame_at: Callable[[int], np.ndarray]


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
        tight: bool = False, language: str = "",
    ) -> None:  # fmt: skip
        self.scenes, self.width, self.height, self.fps, self.style = scenes, width, height, fps, style
        self.timeline: Timeline = build([s.duration for s in scenes], fps, tight=tight)
        self.cues = [
            captions.cues_for(
                list(scene.sentences), slot.voice_start, style.max_words, self._words(scene), language
            )
            for scene, slot in zip(scenes, self.timeline.slots, strict=True)
        ]
        self.all_cues = [cue for scene_cues in self.cues for cue in scene_cues]
        # A shot is needed by its scene's body and the crossfades on either side: at most two at a time.
        self.shot = lru_cache(maxsize=3)(self._make_shot)

    @staticmethod
    def _words(scene: SceneInput) -> list[word_timing.Word]:
        """The scene's word timings: stored with its narration, or found in its audio."""
        stored = scene.words
        if stored or not scene.voice.is_file():
            return list(stored)
        return word_timing.words_from_wav(scene.voice, scene.sentences)

    def _clear_rows(self, slot: Slot) -> tuple[int, int] | None:
        """The rows of the frame the scene's box to keep clear covers at some time of its motion."""
        box = self.scenes[slot.index].keep_clear
        if box is None:
            return None
        motion = frames.Motion.seeded(self.scenes[slot.index].image_key)
        return motion.rows_reached(box[1] * self.height, box[3] * self.height, self.height)

    def _make_shot(self, slot: Slot) -> frames.StillShot:
        scene = self.scenes[slot.index]
        image = frames.load_i420(str(scene.image), self.width, self.height)
        return frames.StillShot(image, frames.Motion.seeded(scene.image_key), slot.frames)

    def _frame_format(self) -> dict[str, object]:
        return keys.frame_format(self.width, self.height, self.fps)

    def body(self, slot: Slot, settings: encoder.EncoderSettings) -> Segment:
        first, last = slot.body
        cues = self.cues[slot.index] if self.style.enabled else []
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
        style = {**asdict(self.style), "clear": clear}
        key = keys.scene_piece(
            self._frame_format(), settings.key(), self.scenes[slot.index].image_key,
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

        return Segment(key, last - first, f"scene {slot.index + 1}", frame_at)

    def crossfade(self, slot: Slot, settings: encoder.EncoderSettings) -> Segment:
        nxt = self.timeline.slots[slot.index + 1]
        count = slot.fade_out
        key = keys.crossfade_piece(
            self._frame_format(), settings.key(),
            [self.scenes[slot.index].image_key, slot.frames],
            [self.scenes[nxt.index].image_key, nxt.frames], count,
        )  # fmt: skip

        def frame_at(i: int) -> np.ndarray:
            a = self.shot(slot).frame(slot.frames - count + i)
            b = self.shot(nxt).frame(i)
            return frames.crossfade(a, b, (i + 1) / (count + 1))

        return Segment(key, count, f"transition {slot.index + 1}→{nxt.index + 1}", frame_at)

    def segments(self, settings: encoder.EncoderSettings) -> Iterator[Segment]:
        for slot in self.timeline.slots:
            yield self.body(slot, settings)
            if slot.fade_out:
                yield self.crossfade(slot, settings)


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
    progress: Progress | None = None,
) -> RenderResult:
    """Render ``scenes`` into ``out`` (``tight``: shorter silences around each narration; ``language``:
    the captions', for where a phrase may break), in named steps:
    plan the pieces, look them up in the cache, mix the sound while the missing pieces are encoded, join
    and mux, write the captions, sweep what no render needs any more."""
    report = progress or (lambda fraction, message: None)
    plan = Plan(scenes, width, height, fps, style, tight, language)
    settings = encoder.choose(preview)
    segments = list(plan.segments(settings))
    seg_dir = cache / "segments"
    seg_dir.mkdir(parents=True, exist_ok=True)
    missing = [s for s in segments if not (seg_dir / f"{s.key}.h264").is_file()]
    sound = cache / f"sound-{_sound_key(plan, music, music_volume)}.m4a"
    key_file, final_key = cache / f"{out.name}.key", keys.video([s.key for s in segments], sound.name)
    if out.is_file() and key_file.is_file() and key_file.read_text() == final_key:
        report(1.0, "nothing changed: the video is up to date")
        _write_srt(srt, plan.all_cues, style)
        return _result(out, plan, segments, {})

    spent = _mix_while_encoding(plan, sound, music, music_volume, missing, seg_dir, settings, report)
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
    speed = _Speed(width, height, settings)
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


class _Speed:
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
