"""Word-by-word captions: word times against the real narrator's audio, highlights in the video, RTL/CJK."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import decode_frames, require_module
from videocreator.backend import Speech
from videocreator.project import CaptionStyle
from videocreator.render import captions, frames, renderer
from videocreator.render.caption_art import CaptionLook
from videocreator.render.timeline import build
from videocreator.speech import word_timing
from videocreator.speech.wav import write_wav
from videocreator.text import sentences
from videocreator.typography import render_text
from videocreator.voices.piper import PiperNarrator, load_voice

WORDS = ["apple", "river", "mountain", "garden", "window", "yellow"]
WORDS += ["basket", "lemon", "candle", "forest", "silver", "marble"]
LIST = ", ".join(WORDS).capitalize() + "."
FLUENT = (
    "Volcanoes form where hot magma rises, pushing through cracks in the crust of the Earth. "
    "Deep below the surface, strange creatures live in complete darkness, and some make their own light."
)
W, H, FPS = 480, 848, 30
YELLOW = "#FFD400"


@dataclass
class HighlightStyle(CaptionStyle):
    style: str = "highlight"
    highlight_color: str = YELLOW


@pytest.fixture(scope="module")
def spoken_list() -> Speech:
    return PiperNarrator().narrate(LIST)


def onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Where sound starts after at least 80 ms of quiet (-35 dB from the loudest 5 ms), in seconds."""
    hop = round(rate * 0.005)
    count = len(samples) // hop
    energy = np.square(samples[: count * hop]).reshape(count, hop).mean(axis=1)
    loud = 10 * np.log10(energy + 1e-12) > 10 * np.log10(energy.max()) - 35
    found, quiet = [], 16
    for n, is_loud in enumerate(loud):
        if is_loud and quiet >= 16:
            found.append(n * hop / rate)
        quiet = 0 if is_loud else quiet + 1
    return found


def _errors_ms(starts: list[float], measured: list[float]) -> np.ndarray:
    assert len(starts) == len(measured) == len(WORDS), (starts, measured)
    return 1000 * np.abs(np.array(starts) - np.array(measured))


def _check_accuracy(label: str, errors: np.ndarray) -> None:
    print(f"{label}: median {np.median(errors):.0f} ms, worst {errors.max():.0f} ms")
    assert np.median(errors) < 60 and errors.max() < 150, errors.round()


def test_piper_gives_exact_word_times(spoken_list):
    require_module("onnx", "Piper reports phoneme durations only with the onnx package")
    words = spoken_list.words
    assert [w.strip(",.").lower() for w, _, _ in words] == WORDS
    # They come from the voice's own durations: whole numbers of its frames (hops) from the sentence start.
    hop = load_voice(str(PiperNarrator().model_path()), 1).config.hop_length
    assert all(round(start * spoken_list.sample_rate) % hop == 0 for _, start, _ in words)
    errors = _errors_ms(
        [start for _, start, _ in words], onsets(spoken_list.samples, spoken_list.sample_rate)
    )
    _check_accuracy("piper alignments", errors)


def test_word_times_found_in_the_audio_match_onsets(spoken_list):
    words = word_timing.word_timings(
        Speech(spoken_list.samples, spoken_list.sample_rate, spoken_list.sentences)
    )
    assert [w.strip(",.").lower() for w, _, _ in words] == WORDS
    errors = _errors_ms(
        [start for _, start, _ in words], onsets(spoken_list.samples, spoken_list.sample_rate)
    )
    _check_accuracy("found in the audio", errors)


def test_word_times_found_in_fluent_speech_stay_near_the_exact_ones():
    require_module("onnx", "the exact times to compare with need the onnx package")
    speech = PiperNarrator().narrate(FLUENT)
    found = word_timing.word_timings(Speech(speech.samples, speech.sample_rate, speech.sentences))
    assert [w for w, _, _ in found] == [w for w, _, _ in speech.words]
    errors = 1000 * np.abs([a[1] - b[1] for a, b in zip(found, speech.words, strict=True)])
    median, p90 = np.median(errors), np.percentile(errors, 90)
    print(f"fluent speech: median {median:.0f} ms, 90th percentile {p90:.0f} ms, worst {errors.max():.0f} ms")
    assert median < 60 and p90 < 150, errors.round()


@pytest.fixture(scope="module")
def rendered(spoken_list, tmp_path_factory) -> tuple[Path, float]:
    """A real render of the narrated list with highlighted captions (word times found in its audio)."""
    folder = tmp_path_factory.mktemp("words")
    Image.new("RGB", (W, H), (40, 60, 90)).save(folder / "image.png")
    write_wav(folder / "voice.wav", spoken_list)
    scene = renderer.SceneInput(
        folder / "image.png", "plain", folder / "voice.wav", "list", spoken_list.duration,
        tuple(spoken_list.sentences),
    )  # fmt: skip
    renderer.render(
        [scene], out=folder / "video.mp4", srt=folder / "captions.srt", cache=folder / "cache", width=W,
        height=H, fps=FPS, style=HighlightStyle(size=0.09), music=None, music_volume=0.0,
    )  # fmt: skip
    return folder, build([spoken_list.duration], FPS).slots[0].voice_start


def _vtt_words(vtt: str) -> list[tuple[str, float]]:
    """Each word of a WebVTT file with its time (its inline timestamp, or its cue's start)."""
    out = []
    for cue_start, text in re.findall(r"^(\S+) --> \S+\n(.+)$", vtt, flags=re.M):
        time = _seconds(cue_start)
        for stamp, word in re.findall(r"(?:<([\d:.]+)>)?(\S+)", text):
            time = _seconds(stamp) if stamp else time
            out.append((word, time))
    return out


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_vtt_times_each_word_as_heard(rendered, spoken_list):
    folder, voice_start = rendered
    vtt = (folder / "captions.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n") and "<00:00:0" in vtt
    words = _vtt_words(vtt)
    assert [w.strip(",.").lower() for w, _ in words] == WORDS
    errors = _errors_ms(
        [t - voice_start for _, t in words], onsets(spoken_list.samples, spoken_list.sample_rate)
    )
    _check_accuracy("captions.vtt", errors)


def _is_highlight(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., n].astype(int) for n in range(3))
    return (r > 170) & (g > 140) & (b < 0.5 * r)


def _is_text(rgb: np.ndarray) -> np.ndarray:
    return rgb.min(axis=-1) > 185


def _columns(mask: np.ndarray) -> tuple[int, int]:
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(cols[-1]) + 1


def _ink_width(word: str, size: int) -> int:
    return render_text(word, size=size, max_width=10_000, stroke_width=0).width


def test_the_word_being_spoken_is_highlighted_in_the_video(rendered, spoken_list):
    folder, voice_start = rendered
    cues = captions.cues_for(spoken_list.sentences, voice_start, 5, spoken_list.words)
    # Cue times are in the video's time: the frame in the middle of each word.
    middles = {round((s + e) / 2 * FPS): (cue, n) for cue in cues for n, (_, s, e) in enumerate(cue.words)}
    shown = decode_frames(folder / "video.mp4", set(middles))
    size = round(min(W, H) * 0.09)
    for index, (cue, n) in middles.items():
        rgb = shown[index][round(H * 0.6) :]
        lit, text = _is_highlight(rgb), _is_text(rgb)
        word = cue.words[n][0]
        assert lit.sum() > 40, f"frame {index}: {word!r} is not highlighted"
        left, right = _columns(lit)
        assert abs((right - left) - _ink_width(word, size)) <= 6, f"frame {index}: not just {word!r} lit"
        assert not text[:, left:right].any(), f"frame {index}: part of {word!r} is not highlighted"
        others_left, others_right = _columns(text)
        # The other word of the two-word cue is in the text colour, on its side of the spoken one.
        assert others_right <= left if n else others_left >= right, f"frame {index}: wrong word lit"


def _lit_columns(look: CaptionLook, text: str, highlight: int) -> tuple[int, int]:
    frame = frames.to_i420(np.full((H, W, 3), 40, np.uint8))
    frames.caption_picture(look, text, width=W, height=H, highlight=highlight).blend_onto(frame)
    return _columns(_is_highlight(_rgb(frame)))


def _rgb(frame: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)


def test_arabic_words_are_highlighted_right_to_left():
    look = CaptionLook(size_fraction=0.08, highlight_color=YELLOW)
    text = "تتشكل البراكين حيث"
    spans = [_lit_columns(look, text, n) for n in range(3)]
    assert all(a[0] >= b[1] for a, b in itertools.pairwise(spans)), spans


def test_japanese_is_timed_and_highlighted_by_characters():
    sentence = "火山は地下のマグマです。"
    words = word_timing.split_words(sentence)
    assert words == ["火", "山", "は", "地", "下", "の", "マ", "グ", "マ", "で", "す。"]
    (cue,) = captions.cues_for([(sentence, 0.0, 2.2)], 0.0, 5)
    starts = [s for _, s, _ in cue.words]
    assert len(starts) == len(words) and starts == sorted(starts) and starts[-1] < 2.2
    look = CaptionLook(size_fraction=0.06, highlight_color=YELLOW)
    spans = [_lit_columns(look, cue.text, n) for n in range(len(words) - 1)]
    size = round(min(W, H) * 0.06)
    assert all(abs((right - left) - size) < size * 0.35 for left, right in spans), spans
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "In 1779, Dr. Jan Ingenhousz found that leaves make oxygen. Plants need light.",
            ["In 1779, Dr. Jan Ingenhousz found that leaves make oxygen.", "Plants need light."],
        ),
        (
            "Leaves work in sunlight, e.g. on a bright day. At night they rest.",
            ["Leaves work in sunlight, e.g. on a bright day.", "At night they rest."],
        ),
        ("La Sra. García vive aquí. Es médica.", ["La Sra. García vive aquí.", "Es médica."]),
        ("It ends here. Then another starts.", ["It ends here.", "Then another starts."]),
    ],
)
def test_a_narration_is_not_cut_after_a_title_or_an_abbreviation(text: str, expected: list[str]):
    assert sentences(text) == expected


def test_the_voice_reads_a_title_with_its_name_so_no_caption_holds_it_alone():
    narration = "In 1779, Dr. Jan Ingenhousz found that leaves make oxygen in sunlight, e.g. on a bright day."
    speech = PiperNarrator().narrate(narration)
    assert [s[0] for s in speech.sentences] == [narration], "one sentence: no pause after Dr. or e.g."
    cues = captions.cues_for(speech.sentences, 0.0, 4, speech.words, "en")
    assert all(len(cue.text.split()) > 1 for cue in cues), [cue.text for cue in cues]
