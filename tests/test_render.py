"""The renderer on synthetic scenes: exact frame counts, exact joins, sound in sync, cached pieces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import decode_audio, decode_frames, probe, rms
from videocreator.backend import Speech
from videocreator.project import CaptionStyle
from videocreator.render import renderer
from videocreator.render.timeline import build
from videocreator.speech.wav import write_wav

W, H, FPS = 360, 640, 30
COLORS = [(220, 40, 40), (40, 200, 60), (50, 70, 230)]


def _scene(folder: Path, n: int, seconds: float, tone_hz: float) -> renderer.SceneInput:
    # A flat colour with a faint texture, so motion is real but the mean colour identifies the scene.
    rng = np.random.default_rng(n)
    pixels = np.clip(np.array(COLORS[n], dtype=np.float32) + rng.normal(0, 12, (H, W, 3)), 0, 255)
    image = folder / f"image{n}.png"
    Image.fromarray(pixels.astype(np.uint8)).save(image)
    rate = 22050
    t = np.arange(int(seconds * rate)) / rate
    speech = Speech(0.4 * np.sin(2 * np.pi * tone_hz * t).astype(np.float32), rate, [])
    speech.sentences = [(f"Scene {n} says a few words here.", 0.0, seconds)]
    voice = folder / f"voice{n}-{seconds}.wav"
    write_wav(voice, speech)
    return renderer.SceneInput(
        image, f"img{n}", voice, f"voice{n}-{seconds}", seconds, tuple(speech.sentences)
    )


def _render(folder: Path, scenes: list[renderer.SceneInput], **kwargs) -> renderer.RenderResult:
    return renderer.render(
        scenes,
        out=folder / "video.mp4",
        srt=folder / "captions.srt",
        cache=folder / "cache",
        width=W,
        height=H,
        fps=FPS,
        style=CaptionStyle(),
        music=None,
        music_volume=0.1,
        **kwargs,
    )


@pytest.fixture
def rendered(tmp_path: Path) -> tuple[Path, list[renderer.SceneInput], renderer.RenderResult]:
    scenes = [_scene(tmp_path, n, s, f) for n, (s, f) in enumerate([(1.5, 300), (2.0, 500), (1.2, 700)])]
    return tmp_path, scenes, _render(tmp_path, scenes)


def test_output_is_a_standard_mp4_of_the_planned_length(rendered):
    folder, scenes, result = rendered
    timeline = build([s.duration for s in scenes], FPS)
    info = probe(folder / "video.mp4")
    assert (info.width, info.height, info.fps) == (W, H, FPS)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert info.frames == timeline.frames == result.frames
    assert abs(info.video_duration - timeline.duration) < 1e-6
    assert abs(info.audio_duration - info.video_duration) < 1 / FPS


def test_crossfades_land_on_the_exact_frames(rendered):
    folder, scenes, _ = rendered
    timeline = build([s.duration for s in scenes], FPS)
    frames = decode_frames(folder / "video.mp4")
    red, green = np.array(COLORS[0], float), np.array(COLORS[1], float)
    first = timeline.slots[1]
    for k in range(-2, first.fade_in + 2):
        index = first.start + k
        mean = frames[index][: H // 2].reshape(-1, 3).mean(axis=0)  # top half: no captions there
        measured = float(np.dot(mean - red, green - red) / np.dot(green - red, green - red))
        expected = min(1.0, max(0.0, (k + 1) / (first.fade_in + 1)))
        assert abs(measured - expected) < 0.03, (
            f"frame {index}: weight {measured:.3f}, expected {expected:.3f}"
        )


def test_no_frozen_or_repeated_frames_across_joins(rendered):
    folder, scenes, _ = rendered
    timeline = build([s.duration for s in scenes], FPS)
    frames = decode_frames(folder / "video.mp4")
    for slot in timeline.slots[1:]:
        for index in range(slot.start - 1, slot.start + slot.fade_in + 1):
            step = np.abs(frames[index].astype(int) - frames[index - 1].astype(int)).mean()
            assert step > 0.5, f"frame {index} repeats frame {index - 1}"


def test_narration_starts_on_time(rendered):
    folder, scenes, _ = rendered
    timeline = build([s.duration for s in scenes], FPS)
    samples, rate = decode_audio(folder / "video.mp4")
    window = rate // 200  # 5 ms
    envelope = np.array([rms(samples[i : i + window]) for i in range(0, len(samples) - window, window)])
    for slot in timeline.slots:
        start = int(slot.voice_start * 200)
        assert envelope[start - 4 : start - 1].max() < 0.01, "silence before each narration"
        assert envelope[start + 1 : start + 4].min() > 0.1, "voice from its planned start"
    assert rms(samples) > 0.05


def test_captions_end_with_the_narration(rendered):
    folder, scenes, result = rendered
    timeline = build([s.duration for s in scenes], FPS)
    last = timeline.slots[-1]
    assert abs(result.captions[-1].end - (last.voice_start + last.voice_duration)) < 1e-6
    srt = (folder / "captions.srt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,333 --> ")  # 0.35 s, on a whole frame
    assert "Scene 2 says" in srt


def test_rerender_reuses_pieces_and_redoes_only_what_changed(rendered):
    folder, scenes, first = rendered
    assert first.encoded_segments == 5 and first.reused_segments == 0
    again = _render(folder, scenes)
    assert again.encoded_segments == 0
    scenes[1] = _scene(folder, 1, 2.6, 450)  # scene 2's narration changed: longer
    changed = _render(folder, scenes)
    assert changed.encoded_segments == 3  # its body and the two crossfades around it
    assert changed.reused_segments == 2
    assert probe(folder / "video.mp4").frames == build([s.duration for s in scenes], FPS).frames
    assert len(list((folder / "cache" / "segments").glob("*.h264"))) == 5, "old pieces are swept"


def test_music_is_mixed_under_the_voice(tmp_path: Path):
    from videocreator.assets import bundled_music

    scenes = [_scene(tmp_path, 0, 1.0, 300)]
    renderer.render(
        scenes, out=tmp_path / "m.mp4", srt=None, cache=tmp_path / "cache", width=W, height=H, fps=FPS,
        style=CaptionStyle(enabled=False), music=bundled_music(), music_volume=0.2,
    )  # fmt: skip
    samples, rate = decode_audio(tmp_path / "m.mp4")
    lead_in = samples[int(0.05 * rate) : int(0.3 * rate)]  # before the voice starts: music only
    assert 0.003 < rms(lead_in) < 0.2
