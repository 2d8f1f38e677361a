"""A render's shots are made one ahead, in a thread of their own, in the order its pieces need them: the
next picture is decoded (and its text layer, where a crossfade fades it) while the frames of the one before
are made."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from videocreator.errors import InputError
from videocreator.render.frames import LayeredShot, Motion
from videocreator.render.shots import ShotLoader
from videocreator.render.timeline import Slot, build


def _slots(count: int) -> tuple[Slot, ...]:
    return build([1.0] * count, 30).slots


class Maker:
    """Makes tiny real shots, saying in which thread each shot and its text layer were made."""

    def __init__(self, failing: int | None = None):
        self.made: list[tuple[int, str]] = []
        self.layers: list[tuple[int, str]] = []
        self.failing = failing

    def __call__(self, slot: Slot) -> LayeredShot:
        self.made.append((slot.index, threading.current_thread().name))
        if slot.index == self.failing:
            raise InputError("layer.png changed during the render")

        def textless() -> np.ndarray:
            self.layers.append((slot.index, threading.current_thread().name))
            return np.zeros((6, 4), np.uint8)

        return LayeredShot(np.full((6, 4), 200, np.uint8), textless, Motion(1.0, 1.0, 0.5, 0.5), slot.frames)


def test_each_shot_is_made_once_ahead_in_its_own_thread_in_the_order_given_with_its_text_layer():
    a, b, c = _slots(3)
    maker = Maker()
    before = set(threading.enumerate())
    shots = ShotLoader(maker)
    shots.ahead([(a, False), (a, True), (b, True), (c, False)])
    try:
        assert [shots.get(slot) is shots.get(slot) for slot in (a, b, c)] == [True] * 3
    finally:
        shots.close()
    assert [index for index, _ in maker.made] == [0, 1, 2], "each made once, in order"
    assert all(thread.startswith("shots") for _, thread in maker.made), maker.made
    assert [index for index, _ in maker.layers] == [0, 1], "the layers a crossfade fades, and those alone"
    assert all(thread.startswith("shots") for _, thread in maker.layers), maker.layers
    assert not [t for t in threading.enumerate() if t.name.startswith("shots") and t not in before]


def test_the_last_two_shots_are_kept():
    a, b, c = _slots(3)
    maker = Maker()
    shots = ShotLoader(maker)
    shots.ahead([(a, False), (b, False), (c, False)])
    try:
        for slot in (a, b, b, a, c, b):  # a crossfade's frames take its two shots in turn
            shots.get(slot)
    finally:
        shots.close()
    assert [index for index, _ in maker.made] == [0, 1, 2], "each made once"


def test_a_shot_asked_for_out_of_order_is_made_when_asked_and_nothing_ahead_of_it():
    a, b, c = _slots(3)
    maker = Maker()
    shots = ShotLoader(maker)
    shots.ahead([(a, False), (b, False)])
    try:
        for slot in (a, b, c, a):
            shots.get(slot)
    finally:
        shots.close()
    ahead = [(index, thread.startswith("shots")) for index, thread in maker.made]
    assert ahead == [(0, True), (1, True), (2, False), (0, False)]


def test_a_shot_made_ahead_that_no_piece_asks_for_does_not_hold_up_the_next():
    a, b, c, d = _slots(4)
    maker = Maker()
    shots = ShotLoader(maker)
    shots.ahead([(a, False), (b, False), (c, False), (d, False)])
    try:
        for slot in (a, c, d):  # b made ahead, never asked for
            shots.get(slot)
    finally:
        shots.close()
    assert maker.made[-1][0] == 3 and maker.made[-1][1].startswith("shots"), "d made ahead"


def test_a_shot_that_fails_ahead_raises_its_error_where_it_is_needed():
    a, b = _slots(2)
    maker = Maker(failing=1)
    shots = ShotLoader(maker)
    shots.ahead([(a, False), (b, False)])
    try:
        shots.get(a)
        with pytest.raises(InputError, match="changed during the render"):
            shots.get(b)
    finally:
        shots.close()
    assert maker.made[-1][0] == 1 and maker.made[-1][1].startswith("shots"), "it failed ahead"
