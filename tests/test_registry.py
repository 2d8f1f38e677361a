"""The registry: one name per backend and stage, and the offline default of each stage."""

from __future__ import annotations

import pytest

from videocreator import registry
from videocreator.backend import ImageMaker
from videocreator.errors import InputError
from videocreator.stage import CHOSEN, Stage


def test_a_name_taken_twice_is_an_error_not_a_silent_replacement():
    original = registry.get(Stage.IMAGES, "card")

    class Impostor(ImageMaker):
        name = "card"

    with pytest.raises(ValueError, match="two images backends are named 'card'"):
        registry.register(Impostor)
    assert registry.get(Stage.IMAGES, "card") is original
    assert registry.register(original) is original  # the same class again is harmless


def test_each_chosen_stage_has_an_offline_default():
    assert [registry.default_name(stage) for stage in CHOSEN] == ["local", "card", "piper"]


def test_errors_name_their_stage_from_the_one_vocabulary():
    with pytest.raises(InputError) as caught:
        registry.get(Stage.VOICE, "nope")
    assert caught.value.stage is Stage.VOICE and str(caught.value).startswith("voice: unknown backend 'nope'")
    with pytest.raises(ValueError, match="narration"):
        InputError("x", stage="narration")  # type: ignore[arg-type]  # a stage outside the vocabulary
