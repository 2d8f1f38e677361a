"""Pronunciations change what the narrator hears, never what the captions show; tighter pauses keep sync."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.conftest import probe
from videocreator import pipeline
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.speech.speaking import spoken, tightened, written
from videocreator.voices.piper import PiperNarrator

LIST = "Apple, river, mountain, candle, window, garden."


def _project(tmp_path: Path, narration: str, **settings) -> ProjectFolder:
    chosen = Settings(script=StageChoice("template"), resolution="360p", music="none", **settings)
    folder = pipeline.new_project("Words", tmp_path / "p", settings=chosen)
    pipeline.add_scene(folder, narration, "a word")
    return folder


def _timings(folder: ProjectFolder) -> dict:
    return folder.timings(folder.project.scenes[0])


def test_listed_words_are_said_as_written_in_the_list_whole_words_any_case():
    table = {"GIF": "jif", "Nguyen": "win"}
    assert spoken("A GIF, (gif) and GIFs; Nguyen said.", table) == "A jif, (jif) and GIFs; win said."
    assert spoken("Nothing to change.", {}) == "Nothing to change."


def test_the_narrator_hears_the_pronunciation_and_the_captions_show_the_written_word(tmp_path: Path):
    folder = _project(tmp_path, "My GIF file loads fast.", pronunciations={"GIF": "jif"})
    pipeline.render(folder, preview=True)
    timings = _timings(folder)
    assert timings["said"] == "My jif file loads fast."
    assert timings["sentences"][0][0] == "My GIF file loads fast."
    assert [w for w, _, _ in timings["words"]] == ["My", "GIF", "file", "loads", "fast."]
    key_before = folder.project.scenes[0].audio_key
    pipeline.change_settings(folder, {"pronunciations": {"GIF": "gif"}})
    assert pipeline.audio_key(folder, folder.project.scenes[0]) != key_before, "part of the narration's key"


def test_captions_keep_the_written_words(tmp_path: Path):
    folder = _project(tmp_path, "Mr. Nguyen sends a GIF.", pronunciations={"GIF": "jif", "Nguyen": "win"})
    pipeline.render(folder)
    srt = folder.captions.read_text()
    vtt = folder.captions_vtt.read_text()
    assert "Nguyen" in srt and "GIF" in srt and "jif" not in srt and "win " not in srt
    assert "Nguyen" in vtt and "jif" not in vtt


def test_tighter_pauses_shorten_the_silences_and_keep_every_word_on_its_sound():
    narrator = PiperNarrator()
    speech = narrator.narrate(LIST)
    tight = tightened(speech, 0.15)
    assert tight.duration < speech.duration - 0.2
    gaps = [b[1] - a[2] for a, b in zip(tight.words, tight.words[1:], strict=False)]
    assert max(gaps) <= 0.15 + 0.02
    rate = tight.sample_rate
    for word, start, end in tight.words:  # each word still starts where its sound is
        window = tight.samples[round(start * rate) : round(min(end, start + 0.1) * rate)]
        assert np.sqrt(np.mean(window**2)) > 0.01, word
    assert written(tight, LIST, {}) is tight


def test_a_video_with_tighter_pauses_is_shorter_and_in_sync(tmp_path: Path):
    loose = _project(tmp_path / "a", LIST)
    tight = _project(tmp_path / "b", LIST, tighten_pauses=True, max_pause_s=0.15)
    durations = []
    for folder in (loose, tight):
        result = pipeline.render(folder, preview=True)
        info = probe(result.video)
        assert abs(info.audio_duration - info.video_duration) < 1 / 30
        durations.append(info.video_duration)
    assert durations[1] < durations[0] - 0.5


def test_the_command_line_takes_pronunciations_tighter_pauses_and_a_caption_style(tmp_path: Path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "videocreator", "make", "--text", "-", "--out", str(tmp_path / "p"),
         "--resolution", "720p", "--music", "none", "--pronounce", "GIF=jif", "--tighten-pauses",
         "--captions", "highlight"],
        input="# Files\n\nMy GIF loads fast.", capture_output=True, text=True, timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    settings = json.loads((tmp_path / "p" / "project.json").read_text())["settings"]
    assert settings["pronunciations"] == {"GIF": "jif"} and settings["tighten_pauses"]
    assert settings["captions"]["style"] == "highlight"
    vtt = (tmp_path / "p" / "captions.vtt").read_text()
    assert "GIF" in vtt and "jif" not in vtt and "<00:00:" in vtt
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "videocreator",
            "make",
            "Owls",
            "--out",
            str(tmp_path / "q"),
            "--pronounce",
            "GIF",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert bad.returncode == 2 and "WORD=HOW_TO_SAY_IT" in bad.stderr
