"""Where every scene, voice and transition falls, in whole frames.

Scene ``i`` is on screen for ``frames`` frames starting at ``start``; consecutive scenes overlap by
``transition`` frames (the crossfade). Narration never plays during a crossfade: it starts ``lead``
seconds after the incoming transition and the scene holds ``tail`` seconds after it ends. Everything is
counted in frames so that segments join exactly and audio stays in sync to the sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TRANSITION_S = 0.4
LEAD_S = 0.25
TAIL_S = 0.45
FIRST_LEAD_S = 0.35
LAST_TAIL_S = 0.9


@dataclass(frozen=True)
class Slot:
    index: int
    start: int  # first frame on screen (global)
    frames: int  # frames on screen, transitions included
    fade_in: int  # frames shared with the previous scene
    fade_out: int  # frames shared with the next scene
    voice_frame: int  # the frame (global) at which the narration starts
    voice_duration: float
    fps: int

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
    slots: tuple[Slot, ...]

    @property
    def frames(self) -> int:
        return self.slots[-1].end if self.slots else 0

    @property
    def duration(self) -> float:
        return self.frames / self.fps


TIGHT = 0.5  # with tightened pauses, the silence before and after each narration is this much of the usual


def build(
    durations: list[float], fps: int, *, transition_s: float = TRANSITION_S, tight: bool = False
) -> Timeline:
    """Lay out scenes whose narrations last ``durations`` seconds (``tight``: shorter silences)."""
    pause = TIGHT if tight else 1.0
    count = len(durations)
    transition = round(transition_s * fps) if count > 1 else 0
    slots = []
    start = 0
    for i, duration in enumerate(durations):
        fade_in = transition if i > 0 else 0
        fade_out = transition if i < count - 1 else 0
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
    return Timeline(fps=fps, slots=tuple(slots))


def pauses_s(scenes: int, fps: int = 30) -> float:
    """Seconds a video of ``scenes`` scenes lasts beyond its narration (leads, tails, crossfades)."""
    return build([0.0] * scenes, fps).duration if scenes else 0.0
