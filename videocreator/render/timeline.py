"""Where every scene, voice and transition falls, in whole frames.

Scene ``i`` is on screen for ``frames`` frames starting at ``start``; consecutive scenes overlap by
``transition`` frames (the crossfade). Narration never plays during a crossfade: it starts ``lead``
seconds after the incoming transition and the scene holds ``tail`` seconds after it ends. A title card may
open the video and an end card close it: each is a slot of its own, joined to the scenes by a crossfade,
and each adds exactly its own length to the video. Everything is counted in frames so that segments join
exactly and audio stays in sync to the sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

TRANSITION_S = 0.4
LEAD_S = 0.25
TAIL_S = 0.45
FIRST_LEAD_S = 0.35
LAST_TAIL_S = 0.9


@dataclass(frozen=True)
class Slot:
    index: int  # the scene's (-1 for a card)
    start: int  # first frame on screen (global)
    frames: int  # frames on screen, transitions included
    fade_in: int  # frames shared with the previous scene
    fade_out: int  # frames shared with the next scene
    voice_frame: int  # the frame (global) at which the narration starts
    voice_duration: float
    fps: int
    kind: Literal["scene", "title", "end"] = "scene"

    @property
    def voice_start(self) -> float:
        return self.voice_frame / self.fps

    @property
    def end(self) -> int:
        return self.start + self.frames

    @property
    def body(self) -> tuple[int, int]:
        """Global frame range shown alone (no crossfade)."""
        return self.start + self.fade_in, self.end - self.fade_out


@dataclass(frozen=True)
class Timeline:
    fps: int
    slots: tuple[Slot, ...]  # the scenes
    title: Slot | None = None  # the title card before them
    end: Slot | None = None  # the end card after them

    @property
    def shots(self) -> tuple[Slot, ...]:
        """Everything on screen, in order: the title card, the scenes, the end card."""
        return tuple(s for s in (self.title, *self.slots, self.end) if s is not None)

    @property
    def frames(self) -> int:
        shots = self.shots
        return shots[-1].end if shots else 0

    @property
    def duration(self) -> float:
        return self.frames / self.fps


TIGHT = 0.5  # with tightened pauses, the silence before and after each narration is this much of the usual


def build(
    durations: list[float], fps: int, *, transition_s: float = TRANSITION_S, tight: bool = False,
    title_s: float = 0.0, end_s: float = 0.0,
) -> Timeline:  # fmt: skip
    """Lay out scenes whose narrations last ``durations`` seconds (``tight``: shorter silences), after a
    title card of ``title_s`` seconds and before an end card of ``end_s`` (0: none; crossfades included)."""
    pause = TIGHT if tight else 1.0
    count = len(durations)
    transition = round(transition_s * fps)
    title_frames, end_frames = (round(s * fps) if count else 0 for s in (title_s, end_s))
    if any(0 < frames <= transition for frames in (title_frames, end_frames)):
        raise ValueError("a card must last longer than the crossfade into it")
    title = _card("title", 0, title_frames, 0, transition, fps) if title_frames else None
    slots = []
    start = title.end - transition if title else 0
    for i, duration in enumerate(durations):
        fade_in = transition if i > 0 or title else 0
        fade_out = transition if i < count - 1 or end_frames else 0
        lead = pause * (FIRST_LEAD_S if i == 0 else LEAD_S)
        tail = pause * (LAST_TAIL_S if i == count - 1 else TAIL_S)
        frames = fade_in + math.ceil((lead + duration + tail) * fps) + fade_out
        slots.append(
            Slot(
                index=i,
                start=start,
                frames=frames,
                fade_in=fade_in,
                fade_out=fade_out,
                voice_frame=start + fade_in + round(lead * fps),
                voice_duration=duration,
                fps=fps,
            )
        )
        start += frames - fade_out
    end = _card("end", start, end_frames, transition, 0, fps) if end_frames else None
    return Timeline(fps=fps, slots=tuple(slots), title=title, end=end)


def _card(
    kind: Literal["title", "end"], start: int, frames: int, fade_in: int, fade_out: int, fps: int
) -> Slot:
    """A card's slot: ``frames`` frames on screen from ``start``, its crossfades inside them, no voice."""
    return Slot(
        -1, start, frames, fade_in, fade_out, voice_frame=start, voice_duration=0.0, fps=fps, kind=kind
    )


def pauses_s(scenes: int, fps: int = 30, *, title_s: float = 0.0, end_s: float = 0.0) -> float:
    """Seconds a video of ``scenes`` scenes lasts beyond its narration (leads, tails, crossfades, and the
    title and end cards of ``title_s`` and ``end_s`` seconds)."""
    return build([0.0] * scenes, fps, title_s=title_s, end_s=end_s).duration if scenes else 0.0
