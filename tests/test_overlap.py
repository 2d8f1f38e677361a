"""Stages side by side: pictures are drawn while the narrations are spoken, and what comes out is what one
stage after the other makes."""

from __future__ import annotations

import contextvars
import threading
from pathlib import Path

import pytest

from tests.model_stand_ins import standing_in
from videocreator import pipeline, settings
from videocreator.errors import ProviderFailed
from videocreator.images import title_cards
from videocreator.progress import Reporter
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.render import cards
from videocreator.stages import overlap
from videocreator.voices import piper


def _project(root: Path, scenes: int) -> ProjectFolder:
    settings = Settings(
        script=StageChoice("template"), images=StageChoice("card"), voice=StageChoice("piper")
    )
    folder = pipeline.new_project("How volcanoes form", root, settings=settings)
    pipeline.write_script(folder, scenes=scenes)
    return folder


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
    folder = _project(tmp_path / "p", scenes=3)
    with (
        standing_in("segfaulting-voice"),
        standing_in("waiting-pictures"),
        pytest.raises(ProviderFailed) as failed,
    ):
        overlap.pictures_and_narrations(folder, Reporter())
    assert str(failed.value).startswith("voice (piper): the model's process crashed (SIGSEGV)")
    drawn = [scene for scene in folder.project.scenes if scene.image]
    assert len(drawn) == 1, "the picture being drawn is finished, then the pictures stop"


def test_the_pictures_part_reports_in_the_callers_context(tmp_path: Path):
    """A studio's progress and warnings find their visitor through context variables (Gradio's)."""
    folder = _project(tmp_path / "p", scenes=2)
    visitor: contextvars.ContextVar[str] = contextvars.ContextVar("visitor", default="nobody")
    seen: set[str] = set()
    visitor.set("ada")
    overlap.pictures_and_narrations(folder, Reporter(lambda fraction, message: seen.add(visitor.get())))
    assert seen == {"ada"}


def test_parts_side_by_side_report_the_mean_of_their_progress():
    said: list[tuple[float, str]] = []
    pictures, voices = Reporter(lambda fraction, message: said.append((fraction, message))).side_by_side(2)
    voices.progress(0.5, "narration 2/4")
    pictures.progress(1.0, "pictures ready")
    voices.progress(0.25, "late word of narration 1/4")
    assert said == [(0.25, "narration 2/4"), (0.75, "pictures ready"), (0.75, "late word of narration 1/4")]


def test_a_first_render_draws_its_title_card_beside_the_pictures_and_a_render_again_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = _project(tmp_path / "p", scenes=2)
    drawn: list[str] = []
    draw = title_cards.title_card

    def title_card(*args):  # the real card, where it was drawn noted
        drawn.append(threading.current_thread().name)
        return draw(*args)

    monkeypatch.setattr(title_cards, "title_card", title_card)
    pipeline.render(folder, preview=True)
    assert len(drawn) == 1 and drawn[0].startswith("title"), "drawn once, beside the pictures"
    last = folder.project.scenes[-1]
    pipeline.update_scene(folder, last, narration="Lava rises through cracks in the crust.")
    pipeline.render(folder, preview=True)
    assert len(drawn) == 1, "its piece was kept: the card not drawn again"


def test_beside_first_pictures_the_voice_speaks_on_a_core_fewer_and_alone_on_every_core_of_its_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Beside a busy core, Piper's second thread only takes CPU from the pictures (the same time, 0.55 s
    more CPU for five narrations); alone, it speaks on every core of its job."""
    monkeypatch.setattr(settings, "cores", lambda: 4)
    folder = _project(tmp_path / "p", scenes=2)
    keys: list[tuple[str, str, int]] = []
    kept = piper._workers.get

    def get(key, load, **how):  # the voice's real process, its key noted on the way
        keys.append(key)
        return kept(key, load, **how)

    monkeypatch.setattr(piper._workers, "get", get)
    overlap.pictures_and_narrations(folder, Reporter())  # a make: the pictures drawn for the first time
    pipeline.change_settings(folder, {"speed": 1.1})
    overlap.pictures_and_narrations(folder, Reporter())  # the voices alone: every picture is there
    last = folder.project.scenes[-1]
    pipeline.update_scene(folder, last, narration="Ash clouds can reach the stratosphere.")
    pipeline.narrate_all(folder)
    assert [threads for _, _, threads in keys] == [3, 3, 4, 4, 4]


def test_a_title_card_drawn_ahead_for_a_render_that_fails_is_let_go(tmp_path: Path):
    folder = _project(tmp_path / "p", scenes=2)
    with standing_in("segfaulting-voice"), pytest.raises(ProviderFailed):
        pipeline.render(folder, preview=True)
    assert not cards._ahead, "not kept for the life of the server"
