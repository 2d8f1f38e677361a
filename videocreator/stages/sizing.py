"""How long a video is: scenes for a length, the narration a length holds, and the lengths a person's own
text may ask for."""

from __future__ import annotations

import math

from ..errors import InputError
from ..limits import MAX_SCENES, Limits
from ..project import OwnText, Settings
from ..render import cards, timeline
from ..stage import Stage
from ..writers import own_text as own_text_writer

SECONDS_PER_SCENE = 10  # what a scene of a topic's script lasts, roughly
MIN_VIDEO_S = 10.0  # the shortest video a text is condensed to
MAX_REWRITE_CHARS = 30_000  # what a chat writer is sent in one request to retell
OWN_TEXT_MODES = ("as-written", "condense", "rewrite")


def scenes_for_length(seconds: float) -> int:
    """How many scenes a topic's script gets for a video of about ``seconds``."""
    return max(1, min(MAX_SCENES, round(seconds / SECONDS_PER_SCENE)))


def speech_for_video(seconds: float, settings: Settings) -> float:
    """How much narration a video of ``seconds`` holds, once the pauses around its scenes and its cards
    are counted (the scenes share what the cards leave)."""
    shown = cards.lengths(settings)
    scenes = scenes_for_length(seconds - sum(shown.values()))
    return max(1.0, seconds - timeline.pauses_s(scenes, **shown))


def length_range(limits: Limits, settings: Settings) -> tuple[float, float]:
    """The shortest and longest video (seconds) a person's own text may ask for under ``limits``, with
    the cards ``settings`` add: the shortest holds the writer's least narration in one scene."""
    shortest = own_text_writer.MIN_LENGTH_S + timeline.pauses_s(1, **cards.lengths(settings))
    pauses = timeline.pauses_s(limits.max_scenes, **cards.lengths(settings))
    return max(MIN_VIDEO_S, math.ceil(shortest)), own_text_writer.max_length_s(limits.max_scenes) + pauses


def check_own_text(own: OwnText, limits: Limits, settings: Settings) -> None:
    """Refuse an unknown mode, a text too long to retell in one request, or a length out of range."""
    if own.mode not in OWN_TEXT_MODES:
        raise InputError(
            f"unknown mode {own.mode!r}; choose as-written, condense or rewrite", stage=Stage.SCRIPT
        )
    if own.mode == "rewrite" and len(own.text) > MAX_REWRITE_CHARS:
        raise InputError(
            f"rewrite sends the whole text to the writer in one request: at most {MAX_REWRITE_CHARS:,} "
            f"characters, not {len(own.text):,}; condense it, or make one video per section (batch)",
            stage=Stage.SCRIPT,
        )
    shortest, longest = length_range(limits, settings)
    if own.length_s is not None and not shortest <= own.length_s <= longest:
        raise InputError(
            f"the length must be between {shortest:g} and {longest:.0f} s here, not {own.length_s:g}",
            stage=Stage.SCRIPT,
        )
