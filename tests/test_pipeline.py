"""Editing a project stage by stage, as the studio does: what becomes stale, what is kept, what falls back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_llm_server import FakeLLM, Reply
from videocreator import pipeline
from videocreator.errors import InputError, Stopped
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.stage import Stage


@pytest.fixture
def folder(tmp_path: Path) -> ProjectFolder:
    project = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    pipeline.write_script(project, 3)
    return project


def test_editing_narration_makes_only_that_voice_stale(folder: ProjectFolder):
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    assert all(s.image_current and s.audio_current for s in pipeline.scene_states(folder))
    pipeline.update_scene(folder, folder.project.scenes[1], narration="Owls turn their heads very far.")
    states = pipeline.scene_states(folder)
    assert [s.audio_current for s in states] == [True, False, True]
    assert all(s.image_current for s in states)
    pipeline.narrate_all(folder)
    assert all(s.audio_current for s in pipeline.scene_states(folder))


def test_set_script_keeps_matching_scenes_adds_and_removes(folder: ProjectFolder):
    pipeline.make_images(folder)
    first_image = folder.project.scenes[0].image
    rows = [(s.narration, s.image_prompt) for s in folder.project.scenes][:1]
    rows += [("A brand new second scene.", "an owl in flight"), ("", ""), ("And a third one.", "")]
    pipeline.set_script(folder, "Owls!", rows)
    reopened = ProjectFolder.open(folder.root).project
    assert reopened.title == "Owls!"
    assert [s.narration for s in reopened.scenes][1:] == ["A brand new second scene.", "And a third one."]
    assert reopened.scenes[0].image == first_image
    with pytest.raises(InputError, match="no scenes"):
        pipeline.set_script(folder, "x", [("", "")])


def test_add_move_delete(folder: ProjectFolder):
    added = pipeline.add_scene(folder, "An extra scene about feathers.", "owl feathers")
    assert folder.project.scenes[-1] is added and added.id == "04"
    pipeline.move_scene(folder, added, -10)
    assert folder.project.scenes[0] is added
    pipeline.delete_scene(folder, added)
    assert len(folder.project.scenes) == 3
    for scene in folder.project.scenes[1:]:
        pipeline.delete_scene(folder, scene)
    with pytest.raises(InputError, match="at least one scene"):
        pipeline.delete_scene(folder, folder.project.scenes[0])


def test_regenerate_then_undo_keeps_the_earlier_picture(folder: ProjectFolder):
    scene = folder.project.scenes[0]
    pipeline.make_images(folder)
    original = scene.image
    pipeline.regenerate_image(folder, scene, seed=12345)
    assert scene.image != original
    assert pipeline.undo_image(folder, scene)
    assert scene.image == original
    pipeline.make_images(folder)
    assert scene.image == original, "the picture the person went back to is not regenerated"


def test_a_failing_writer_names_itself_and_the_next_one_takes_over(tmp_path: Path):
    with FakeLLM() as server:
        server.queue(*[Reply(status=500, content="overloaded")] * 3)
        chosen = StageChoice(
            "openai", {"base_url": server.base_url, "model": "m", "retries": 0, "stream": False}
        )
        folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=chosen))
        reporter = pipeline.Reporter()
        pipeline.write_script(folder, 2, reporter)
    assert reporter.warnings and "script (openai-compatible): server error (500)" in reporter.warnings[0]
    assert "continuing with the local writer" in reporter.warnings[0]
    assert folder.project.script_trace["writer"] == "local"
    assert len(folder.project.scenes) == 2


def test_paths_in_a_hand_edited_project_cannot_leave_the_folder(folder: ProjectFolder):
    folder.project.scenes[0].image = "../../etc/passwd"
    with pytest.raises(InputError, match="outside the project folder"):
        folder.path(folder.project.scenes[0].image)


def test_a_stop_ends_the_stage_that_is_running_and_names_it(folder: ProjectFolder):
    said: list[str] = []
    stop_after: list[str] = ["picture 1/"]

    def stopping() -> bool:
        return any(stop_after[0] in message for message in said)

    reporter = pipeline.Reporter(lambda fraction, message: said.append(message), stopping=stopping)
    with pytest.raises(Stopped) as caught:
        pipeline.render(folder, reporter=reporter)
    assert caught.value.stage is Stage.IMAGES and str(caught.value).startswith("images: stopped")
    assert folder.project.scenes[0].image and not folder.project.scenes[1].image, "the finished one is kept"

    said.clear()
    stop_after[0] = "rendering"
    with pytest.raises(Stopped) as caught:
        pipeline.render(folder, reporter=reporter)
    assert caught.value.stage is Stage.RENDER, "pictures and voices were made, then the render stopped"
    assert all(scene.image and scene.audio for scene in folder.project.scenes)
    assert not (folder.root / "video.mp4").exists()
