import pytest

from tests.conftest import rms
from videocreator import registry
from videocreator.errors import BackendUnavailable, InputError
from videocreator.stage import Stage

TEXT = "Volcanoes form where magma rises. Over time, layers of ash build a mountain!"


def test_piper_speaks_each_sentence_audibly():
    narrator = registry.create(Stage.VOICE, "piper")
    speech = narrator.narrate(TEXT)
    assert speech.sample_rate == 22050
    assert [s[0] for s in speech.sentences] == [
        "Volcanoes form where magma rises.",
        "Over time, layers of ash build a mountain!",
    ]
    (_, a0, a1), (_, b0, b1) = speech.sentences
    assert 0 == a0 < a1 < b0 < b1 == pytest.approx(speech.duration)
    assert rms(speech.samples) > 0.05
    assert 2.5 < speech.duration < 9


def test_speed_changes_the_length():
    narrator = registry.create(Stage.VOICE, "piper")
    normal = narrator.narrate(TEXT).duration
    fast = narrator.narrate(TEXT, speed=1.5).duration
    assert fast < normal * 0.8


def test_unknown_option_and_missing_voice_file_are_clear():
    with pytest.raises(InputError, match=r"voice \(piper\): invalid options: volume"):
        registry.create(Stage.VOICE, "piper", {"volume": 3})
    narrator = registry.create(Stage.VOICE, "piper", {"model": "/nope/voice.onnx"})
    with pytest.raises(BackendUnavailable, match=r"/nope/voice\.onnx"):
        narrator.narrate(TEXT)
