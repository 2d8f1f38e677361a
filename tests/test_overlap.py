"""Stages side by side: the voice's process starts while the script is written, pictures are drawn while
the narrations are spoken, and what comes out is what one stage after the other makes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.model_stand_ins import load_slowly, process_id, standing_in
from videocreator import pipeline
from videocreator.errors import ProviderFailed
from videocreator.images import headlines
from videocreator.progress import Reporter
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.stage import Stage
from videocreator.stages import overlap
from videocreator.voices.piper import PiperNarrator
from videocreator.worker import ModelWorker


def _project(root: Path, scenes: int) -> ProjectFolder:
    settings = Settings(
        script=StageChoice("template"), images=StageChoice("card"), voice=StageChoice("piper")
    )
    folder = pipeline.new_project("How volcanoes form", root, settings=settings)
    pipeline.write_script(folder, scenes=scenes)
    return folder


def test_a_worker_started_ahead_gives_its_first_job_the_time_its_model_takes_to_load():
    worker = ModelWorker(load_slowly, stage=Stage.VOICE, provider="piper", load_budget_s=30)
    try:
        started = time.monotonic()
        worker.start()
        assert time.monotonic() - started < 1.5, "start does not wait for the model"
        # The model takes 2 s to load, the job may take 1 s: the load is not counted in the job's time.
        assert worker.run(process_id, budget_s=1) == worker.pid
    finally:
        worker.stop()


def test_while_the_script_is_written_the_voice_starts_and_the_word_lists_load(tmp_path: Path):
    folder = _project(tmp_path / "p", scenes=2)
    voice = PiperNarrator()._worker().model
    voice.stop()
    headlines._hanta.cache_clear()
    with overlap.warming_up(folder):
        pass
    try:
        assert voice.pid is not None, "the voice's process was started ahead"
        assert headlines._hanta.cache_info().currsize == 1, "the English tagger was loaded ahead"
    finally:
        voice.stop()


def test_side_by_side_the_pictures_and_narrations_are_those_made_one_after_the_other(tmp_path: Path):
    one_by_one, side_by_side = _project(tmp_path / "a", scenes=3), _project(tmp_path / "b", scenes=3)
    pipeline.make_images(one_by_one)
    pipeline.narrate_all(one_by_one)
    seen: list[float] = []
    overlap.pictures_and_narrations(side_by_side, Reporter(lambda fraction, message: seen.append(fraction)))
    for a, b in zip(one_by_one.project.scenes, side_by_side.project.scenes, strict=True):
        assert (a.image_key, a.audio_key) == (b.image_key, b.audio_key)
        assert one_by_one.path(a.image).read_bytes() == side_by_side.path(b.image).read_bytes()
        # Piper's voice varies a little from one saying to the next: the same words, about as long.
        said = [folder.timings(scene) for folder, scene in ((one_by_one, a), (side_by_side, b))]
        assert [s[0] for s in said[0]["sentences"]] == [s[0] for s in said[1]["sentences"]]
        assert said[1]["duration"] == pytest.approx(said[0]["duration"], rel=0.15)
    assert ProjectFolder.open(side_by_side.root).project.to_dict() == side_by_side.project.to_dict()
    assert seen == sorted(seen) and seen[-1] == 1.0, "the step's progress never goes back"


def test_a_voice_that_crashes_stops_the_pictures_and_is_the_error_said(tmp_path: Path):
    folder = _project(tmp_path / "p", scenes=8)
    with standing_in("segfaulting-voice"), pytest.raises(ProviderFailed) as failed:
        overlap.pictures_and_narrations(folder, Reporter())
    assert str(failed.value).startswith("voice (piper): the model's process crashed (SIGSEGV)")
    drawn = [scene for scene in folder.project.scenes if scene.image]
    assert len(drawn) < len(folder.project.scenes), "the pictures stopped at the voice's failure"


def test_parts_side_by_side_report_the_mean_of_their_progress():
    said: list[tuple[float, str]] = []
    pictures, voices = Reporter(lambda fraction, message: said.append((fraction, message))).side_by_side(2)
    voices.progress(0.5, "narration 2/4")
    pictures.progress(1.0, "pictures ready")
    voices.progress(0.25, "late word of narration 1/4")
    assert said == [(0.25, "narration 2/4"), (0.75, "pictures ready"), (0.75, "late word of narration 1/4")]
