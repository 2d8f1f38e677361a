"""The CLI contract, end to end on the offline backends, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import decode_audio, probe, rms
from videocreator.render.cards import END_S, TITLE_S

FAST = ["--writer", "template", "--resolution", "720p", "--scenes", "3"]


def run(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "videocreator", *args], capture_output=True, text=True, timeout=900, env=env
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def srt_last_end(path: Path) -> float:
    stamps = [
        line.split(" --> ")[1] for line in path.read_text(encoding="utf-8").splitlines() if " --> " in line
    ]
    h, m, rest = stamps[-1].split(":")
    s, ms = rest.split(",")
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


@pytest.mark.slow
def test_make_on_the_offline_defaults(tmp_path: Path, artifacts: Path):
    """The README's promise: a playable MP4 with voice, captions matching it, and project.json."""
    out = tmp_path / "volcanoes"
    run("make", "How volcanoes form", "--out", str(out))
    project = json.loads((out / "project.json").read_text(encoding="utf-8"))
    assert project["script_trace"]["writer"] == "local"
    assert len(project["scenes"]) == 5
    info = probe(out / "video.mp4")
    assert (info.width, info.height, info.fps) == (1080, 1920, 30)
    narration = sum(scene["duration"] for scene in project["scenes"])
    assert narration + TITLE_S + END_S < info.video_duration < narration + TITLE_S + END_S + 5 * 1.5
    assert abs(info.audio_duration - info.video_duration) < 1 / 30
    samples, _ = decode_audio(out / "video.mp4")
    assert rms(samples) > 0.02, "the voice track is audible"
    timings = json.loads((out / project["scenes"][-1]["audio"].replace(".wav", ".json")).read_text())
    last_voice_end = info.video_duration - END_S - 0.9 - (timings["duration"] - timings["sentences"][-1][2])
    assert abs(srt_last_end(out / "captions.srt") - last_voice_end) < 1.0
    (artifacts / "volcanoes.mp4").write_bytes((out / "video.mp4").read_bytes())


def test_render_after_editing_one_scene_reuses_the_rest(tmp_path: Path):
    out = tmp_path / "p"
    run("make", "The water cycle", "--out", str(out), *FAST, "--music", "none")
    project_file = out / "project.json"
    project = json.loads(project_file.read_text(encoding="utf-8"))
    before = [(s["image"], s["audio"]) for s in project["scenes"]]
    project["scenes"][1]["narration"] = "Clouds gather over the sea. Then, quite suddenly, it rains."
    project_file.write_text(json.dumps(project), encoding="utf-8")
    proc = run("render", str(out))
    # the edited scene and its two crossfades again; the other scenes, both cards and their crossfades kept
    assert "3 pieces encoded, 6 reused" in proc.stdout
    after = json.loads(project_file.read_text(encoding="utf-8"))["scenes"]
    assert after[0]["audio"] == before[0][1] and after[2]["audio"] == before[2][1]
    assert after[1]["audio"] != before[1][1]
    assert [s["image"] for s in after] == [b[0] for b in before], "images did not depend on that narration"
    assert "quite suddenly" in (out / "captions.srt").read_text(encoding="utf-8")
    assert run("render", str(out)).stdout.count("0 pieces encoded") == 1


def test_backends_lists_every_stage_with_its_state():
    out = run("backends").stdout
    for stage, name in [("script", "local"), ("script", "template"), ("images", "card"), ("voice", "piper")]:
        assert any(line.split()[:3] == [stage, name, "ready"] for line in out.splitlines()), out


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ("", "topic is empty"),
        ("   \t ", "topic is empty"),
        ("x" * 10_000, "10,000 characters"),
        ("🌋🔥", "empty"),
    ],
)
def test_bad_topics_give_one_line_errors(tmp_path: Path, topic: str, message: str):
    proc = run("make", topic, "--out", str(tmp_path / "p"), check=False)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_odd_unicode_topic_makes_a_video(tmp_path: Path):
    topic = "Vulkane \u202e مرحبا שלום\u0007 e\u0301te\u0301 🌋 火山"
    run("make", topic, "--out", str(tmp_path / "p"), *FAST, "--scenes", "1", "--music", "none")
    project = json.loads((tmp_path / "p" / "project.json").read_text(encoding="utf-8"))
    assert "\u0007" not in project["topic"] and "火山" in project["topic"]
    assert probe(tmp_path / "p" / "video.mp4").frames > 0


def test_missing_music_file_is_named(tmp_path: Path):
    proc = run("make", "Bees", "--out", str(tmp_path / "p"), *FAST, "--music", "/nope/song.mp3", check=False)
    assert proc.returncode == 2
    assert "music file /nope/song.mp3 not found" in proc.stderr


def test_missing_ffmpeg_is_reported_before_any_work(tmp_path: Path):
    env = {**os.environ, "IMAGEIO_FFMPEG_EXE": str(tmp_path / "no-ffmpeg"), "PATH": str(tmp_path)}
    proc = run("make", "Bees", "--out", str(tmp_path / "p"), *FAST, check=False, env=env)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "ffmpeg not found: pip install imageio-ffmpeg" in proc.stderr
    assert not (tmp_path / "p").exists()


def test_hand_broken_project_file_is_reported(tmp_path: Path):
    (tmp_path / "project.json").write_text("{ not json", encoding="utf-8")
    proc = run("render", str(tmp_path), check=False)
    assert proc.returncode == 2 and "project.json is not valid JSON" in proc.stderr


def test_corrupt_upload_is_refused_and_project_unchanged(tmp_path: Path):
    import videocreator as vc
    from videocreator.project import StageChoice

    folder = vc.new_project("Bees", tmp_path / "p", settings=vc.Settings(script=StageChoice("template")))
    vc.write_script(folder, scenes=1)
    scene = folder.project.scenes[0]
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 100)
    with pytest.raises(vc.InputError, match="images"):
        vc.upload_image(folder, scene, bad)
    assert scene.image is None
    good = tmp_path / "wide.jpg"
    Image.new("RGB", (1600, 400), (10, 120, 200)).save(good)
    vc.upload_image(folder, scene, good)
    with Image.open(folder.path(scene.image)) as fitted:
        assert fitted.size == (1080, 1920)
    assert scene.image_source == "upload"
