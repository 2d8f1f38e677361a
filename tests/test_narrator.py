import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import rms
from videocreator import registry
from videocreator.errors import BackendUnavailable, InputError
from videocreator.render import captions
from videocreator.render.caption_art import caption_lines
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


def _longest_silence(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    """The longest run of 10 ms frames, between ``start`` and ``end`` (s), 30 dB below the loudest frame of
    the whole narration."""
    hop = rate // 100

    def levels(audio: np.ndarray) -> np.ndarray:
        frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
        return 10 * np.log10(np.square(frames.astype(np.float64)).mean(axis=1) + 1e-12)

    quiet = levels(samples[round(start * rate) : round(end * rate)]) < levels(samples).max() - 30
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]]))))[::2]
    return float(runs.max(initial=0)) * hop / rate


def test_piper_reads_a_title_with_its_name_and_an_abbreviation_inside_its_sentence():
    # espeak, which Piper's voices read through, ends a sentence after "Dr." ("Doctor. Jan Ingenhousz"):
    # the voice stops with a falling tone and a pause, and the captions showed "Dr." alone.
    text = "Dr. Jan Ingenhousz found it. Plants need light, e.g. sunlight, to grow."
    speech = registry.create(Stage.VOICE, "piper").narrate(text)
    words = speech.words
    assert [w for w, _, _ in words] == text.split()
    for abbreviation in ("Dr.", "e.g."):
        n = [w for w, _, _ in words].index(abbreviation)
        silence = _longest_silence(speech.samples, speech.sample_rate, words[n][1], words[n + 1][2])
        assert silence <= 0.15, f"{silence:.2f} s of silence after {abbreviation!r}"
    sentence_end = _longest_silence(speech.samples, speech.sample_rate, words[4][1], words[5][2])
    assert sentence_end > 0.3, "a real sentence end keeps its pause (the measure hears pauses)"
    for max_words in range(2, 7):
        cues = captions.cues_for(speech.sentences, 0.0, max_words, words, "en")
        lines = [line for cue in cues for line in caption_lines(cue.text, 65, 420)]
        assert not [piece for piece in [c.text for c in cues] + lines if piece.endswith("Dr.")], (cues, lines)


def test_the_voice_is_loaded_with_its_alignments_and_threads_that_sleep_when_idle():
    """Piper's session reports each phoneme's length (exact word times), speaks on the threads it is given
    and its threads do not spin while they wait: they would take a core from the pictures drawn beside the
    narrations."""
    from videocreator.voices.piper import bundled_voice, load_voice

    voice = load_voice(str(bundled_voice()), 1)
    assert len(voice.session.get_outputs()) == 2, "the audio and each phoneme's length"
    options = voice.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == 1


_SPEAK_IN_A_NEW_PROCESS = """
import sys
from videocreator.voices.piper import bundled_voice, load_voice, speak
voice = load_voice(str(bundled_voice()), 1)
said = speak(voice, "Plants need light to grow.", 1.0, None, 0.2)
print(len(voice.session.get_outputs()), "onnx" in sys.modules, len(said["words"]), said["samples"].std())
"""


def _speak_in_a_new_process(cache: Path) -> tuple[int, bool, int, float]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _SPEAK_IN_A_NEW_PROCESS], env=env, capture_output=True, text=True, check=True
    )
    outputs, onnx_imported, words, loudness = done.stdout.split()
    return int(outputs), onnx_imported == "True", int(words), float(loudness)


def test_the_voice_is_prepared_once_and_kept_for_the_next_process(tmp_path: Path):
    """Patching Piper's voice for its phoneme lengths needs the onnx package (0.9 s to import) and the patch
    and optimization another 0.7 s at each start of the voice's process: the prepared voice is kept in the
    user's cache, and the next process loads it without them. A spoiled copy is prepared again, and one
    that another version prepared is dropped (not another voice's)."""
    voices = tmp_path / "videocreator" / "voices"
    first = _speak_in_a_new_process(tmp_path)
    (kept,) = voices.glob("*.onnx")
    name = kept.stem.rpartition("-")[0]  # NAME-KEY
    older, another_voice = (voices / f"{name}{more}-0123456789abcdef.onnx" for more in ("", "-fast"))
    kept.rename(older)  # as another version prepared it
    another_voice.write_bytes(b"another voice's, named like ours and more")
    _speak_in_a_new_process(tmp_path)
    assert sorted(voices.glob("*.onnx")) == sorted([kept, another_voice]), "the older dropped, no other"
    another_voice.unlink()
    assert first[:3] == (2, True, 5), "prepared: patched with onnx, each word timed"
    again = _speak_in_a_new_process(tmp_path)
    assert again[:3] == (2, False, 5), "the kept voice: its alignments, no onnx imported"
    assert again[3] > 0.05, "it speaks"
    kept.write_bytes(b"not a model")
    assert _speak_in_a_new_process(tmp_path)[:3] == (2, True, 5)
    assert kept.stat().st_size > 10_000_000, "prepared again and kept"
    no_cache = tmp_path / "a file"
    no_cache.write_text("where the cache folder would be")
    assert _speak_in_a_new_process(no_cache)[:3] == (2, True, 5), "nowhere to keep it: prepared each time"
