"""Cutting a text into scenes: only at sentence ends, preferring paragraph and heading boundaries.

The text becomes a list of sentences ("units"), each knowing what separates it from the one before
(nothing, a paragraph break or a heading) and the heading it falls under. A dynamic programme then
picks the cuts that keep each scene near ``AIM_S`` seconds of speech: a scene costs its squared
relative distance from the aim (more outside ``COMFORT_S``), a cut inside a paragraph costs a little,
and running on past a heading costs a lot (it happens only when the scene cap leaves no other way).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from enum import IntEnum

from ..text import MAX_SCENE_TEXT_CHARS
from .document import Block
from .pace import count_words
from .sentences import limit_length, split_sentences

AIM_S = 10.0
COMFORT_S = (8.0, 12.0)
# A scene of several sentences never runs longer than this (one long sentence may).
MAX_SCENE_S = 20.0
# Leaving the comfort window costs extra, on top of the distance from the aim.
OUTSIDE_COMFORT = 5.0
CUT_INSIDE_PARAGRAPH = 0.3
RUN_PAST_HEADING = 4.0


class Boundary(IntEnum):
    """What stands between a sentence and the one before it."""

    NONE = 0
    PARAGRAPH = 1
    HEADING = 2


@dataclass(frozen=True)
class Unit:
    text: str
    words: int
    boundary: Boundary
    title: str  # the heading this sentence falls under ("" before the first heading)


@dataclass(frozen=True)
class PlannedScene:
    units: list[Unit]
    title: str  # the heading that starts the scene, "" when it goes on from the scene before

    @property
    def narration(self) -> str:
        return " ".join(unit.text for unit in self.units)

    @property
    def words(self) -> int:
        return sum(unit.words for unit in self.units)


def units_of(blocks: list[Block], language: str) -> list[Unit]:
    """Every sentence of the text, with the boundary before it and the heading it falls under."""
    units: list[Unit] = []
    title = ""
    boundary = Boundary.HEADING
    for block in blocks:
        if block.is_heading:
            title, boundary = block.text, Boundary.HEADING
            continue
        for sentence in split_sentences(block.text, language):
            for piece in limit_length(sentence, MAX_SCENE_TEXT_CHARS):
                units.append(Unit(piece, count_words(piece), boundary, title))
                boundary = Boundary.NONE
        boundary = max(boundary, Boundary.PARAGRAPH)
    return units


def rejoin(units: list[Unit], kept: list[int]) -> list[Unit]:
    """The kept sentences, each carrying the strongest boundary that stood before it in the full text."""
    joined = []
    previous = -1
    for index in kept:
        strongest = max(unit.boundary for unit in units[previous + 1 : index + 1])
        unit = units[index]
        joined.append(Unit(unit.text, unit.words, Boundary(strongest), unit.title))
        previous = index
    return joined


def _length_cost(seconds: float) -> float:
    outside = max(COMFORT_S[0] - seconds, seconds - COMFORT_S[1], 0.0)
    return ((seconds - AIM_S) / AIM_S) ** 2 + OUTSIDE_COMFORT * (outside / AIM_S) ** 2


def _cut_cost(boundary: Boundary) -> float:
    return CUT_INSIDE_PARAGRAPH if boundary == Boundary.NONE else 0.0


def plan(units: list[Unit], words_per_second: float, max_scenes: int) -> list[PlannedScene] | None:
    """The best cut into at most ``max_scenes`` scenes, or None when the text cannot fit in them."""
    count = len(units)
    seconds = [unit.words / words_per_second for unit in units]
    if not count or sum(seconds) > max_scenes * MAX_SCENE_S + max(seconds):
        return None
    # best[k][j]: least cost of units[:j] in k scenes; back[k][j]: where the last of them starts.
    best = [[math.inf] * (count + 1) for _ in range(max_scenes + 1)]
    back = [[0] * (count + 1) for _ in range(max_scenes + 1)]
    best[0][0] = 0.0
    for end in range(1, count + 1):
        spans = _spans_ending_at(units, seconds, end)
        for scenes in range(1, max_scenes + 1):
            for start, cost in spans:
                total = best[scenes - 1][start] + cost
                if total < best[scenes][end]:
                    best[scenes][end], back[scenes][end] = total, start
    scenes = min(range(1, max_scenes + 1), key=lambda k: best[k][count])
    if math.isinf(best[scenes][count]):
        return None
    starts = []
    end = count
    for k in range(scenes, 0, -1):
        starts.append(back[k][end])
        end = back[k][end]
    bounds = [*reversed(starts), count]
    return [_scene(units[a:b]) for a, b in itertools.pairwise(bounds)]


def _spans_ending_at(units: list[Unit], seconds: list[float], end: int) -> list[tuple[int, float]]:
    """(start, cost) of every scene that may end just before ``end``."""
    spans = []
    duration = 0.0
    chars = -1
    past_headings = 0.0
    for start in range(end - 1, -1, -1):
        duration += seconds[start]
        chars += len(units[start].text) + 1
        if start < end - 1 and (duration > MAX_SCENE_S or chars > MAX_SCENE_TEXT_CHARS):
            break
        cut = _cut_cost(units[start].boundary) if start > 0 else 0.0
        spans.append((start, _length_cost(duration) + cut + past_headings))
        if units[start].boundary == Boundary.HEADING:
            past_headings += RUN_PAST_HEADING
    return spans


def _scene(units: list[Unit]) -> PlannedScene:
    first = units[0]
    return PlannedScene(units, first.title if first.boundary == Boundary.HEADING else "")
