"""Learning mode: what each stage records when it runs, and the *How it works* page built from it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.fake_llm_server import FakeLLM
from videocreator import pipeline, registry, report
from videocreator.backend import ImageRequest, ScriptRequest, Speech
from videocreator.files import write_json
from videocreator.project import OwnText, Project, ProjectFolder, Settings, StageChoice
from videocreator.report import REPORT_FILE, how_it_works, write_report
from videocreator.speech.wav import write_wav
from videocreator.stage import Stage
from videocreator.writers.chat import public_url

SECTIONS = ("## Script", "## Images", "## Voice", "## Render")


def _project(tmp_path: Path, writer: str, images: str = "card", **writer_options: object) -> ProjectFolder:
    settings = Settings(
        resolution="360p", script=StageChoice(writer, dict(writer_options)), images=StageChoice(images)
    )
    return pipeline.new_project("How volcanoes form", tmp_path / "project", settings=settings)


@pytest.mark.slow
def test_local_model_records_its_prompt_lines_and_next_word_probabilities(tmp_path: Path):
    folder = _project(tmp_path, "local")
    pipeline.write_script(folder, scenes=2)
    trace = ProjectFolder.open(folder.root).project.script_trace  # as saved in project.json

    parts = trace["prompt_parts"]
    assert [p["kind"] for p in parts[:3]] == ["example", "example", "topic"]
    assert parts[2]["text"] == 'Video script: "How volcanoes form"\n'
    assert "".join(p["text"] for p in parts[:3]) == trace["prompt"]
    kept = [entry for entry in trace["lines"] if entry["kept"]]
    assert [p["text"] for p in parts[3:]] == [f"Scene {e['scene']}: {e['line']}\n" for e in kept]
    assert {entry["scene"] for entry in trace["lines"]} == {1, 2}
    for entry in trace["lines"]:
        assert entry["kept"] == (entry["why"] == ""), entry
        assert entry["raw"] and entry["cue"] == f"Scene {entry['scene']}:"
        assert len(entry["next_tokens"]) == 3, "the first three tokens of each line"
        for point in entry["next_tokens"]:
            probabilities = [option["p"] for option in point["options"]]
            assert len(probabilities) == 5 and all(0.0 <= p <= 1.0 for p in probabilities)
            assert probabilities == sorted(probabilities, reverse=True)
            assert sum(probabilities) <= 1.0
            assert 0.0 <= point["picked_p"] <= 1.0 and point["picked"] in entry["raw"]
    first = trace["lines"][0]["next_tokens"]
    assert first[0]["after"] == "Scene 1:" and first[1]["after"] == "Scene 1:" + first[0]["picked"]

    report = write_report(folder).read_text(encoding="utf-8")
    assert (folder.root / REPORT_FILE).is_file()
    for heading in (*SECTIONS, "### The prompt, part by part", "### What the model wrote", "### The rules"):
        assert heading in report
    assert 'Video script: "How volcanoes form"' in report
    assert "language model" in report and "✅ kept" in report
    assert "**picked**" in report and "%" in report
    token = first[0]["options"][0]["token"].replace(" ", "␣")
    assert f"`{token}`" in report, "the probability table shows the model's likeliest first token"


def test_rejected_lines_say_why():
    from videocreator.writers.local_llm import judge

    assert judge("Lava flows.", []).why == "too short"
    assert judge("and then the magma and then the magma", []).why == "no whole sentence"
    earlier = [None, "Magma rises through cracks in the crust of the earth."]
    verdict = judge("Magma rises through the cracks in the crust of the earth.", earlier)
    assert verdict.line is None and verdict.why.startswith("too much like scene 2")


def test_template_script_and_card_pictures_show_matched_words_and_voice_timings(tmp_path: Path):
    folder = _project(tmp_path, "template")
    pipeline.write_script(folder, scenes=2)
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    report = how_it_works(folder)

    for heading in SECTIONS:
        assert heading in report
    assert "ready-written sentence patterns" in report
    drawn = [p for scene in folder.project.scenes for p in scene.image_details["pictograms"]]
    assert any(p["words"] for p in drawn), "the topic's words match some pictogram"
    for pictogram in drawn:
        row = f"| {pictogram['char']} | {pictogram['name']} | {', '.join(pictogram['words'])} |"
        assert row in report
    assert "| Pictogram | Name | Matched words |" in report
    _, start, end = _timings(folder, 0)["sentences"][0]
    assert f"| {start:.2f} s | {end:.2f} s | {end - start:.2f} s |" in report
    assert f"Seed: {folder.project.scenes[0].image_seed}" in report
    assert "render was not recorded" in report


def _timings(folder: ProjectFolder, n: int) -> dict:
    audio = folder.project.scenes[n].audio
    assert audio
    return json.loads(folder.path(audio[: -len(".wav")] + ".json").read_text())


def test_condensed_own_text_lists_kept_and_dropped_sentences_with_scores(tmp_path: Path):
    text = (
        "Volcanoes form where molten rock from deep inside the earth reaches the surface. "
        "This molten rock is called magma while it is underground, and lava once it erupts. "
        "Magma collects in chambers a few kilometres below the ground. "
        "When the pressure of gas in the magma grows, it pushes the magma up through cracks. "
        "My aunt once visited a volcano on holiday and bought a postcard. "
        "Lava that reaches the surface cools and hardens into new rock. "
        "Layer after layer of cooled lava and ash builds the familiar cone of a volcano. "
        "Some volcanoes erupt gently, with rivers of runny lava. "
        "Others explode, because thick magma traps gas until the pressure bursts out. "
        "The weather was nice that week, too. "
        "Most volcanoes sit where the plates of the earth's crust meet or pull apart. "
        "Scientists watch the ground, the gas and small earthquakes to warn of eruptions. "
    )
    writer = registry.create(Stage.SCRIPT, "text")
    request = ScriptRequest(topic="", text=text, mode="condense", length_s=20.0, words_per_second=2.5417)
    script = writer.write(request)
    project = Project(topic="Volcanoes", own_text=OwnText(text, "condense", 20.0))
    project.script_trace = {"writer": "text", **script.trace}
    report = how_it_works(ProjectFolder.create(tmp_path / "own", project))

    listed = script.trace["sentences"]
    assert any(s["kept"] for s in listed) and not all(s["kept"] for s in listed)
    assert "| # | Score | Kept? | Sentence |" in report and "LexRank" in report
    assert "the voice reads about 2.5 words a second." in report
    for sentence in listed:
        verdict = "✅ kept" if sentence["kept"] else "dropped"
        assert f"| {sentence['index'] + 1} | {sentence['score']:.3f} | {verdict} |" in report


def test_word_starts_phonemes_steps_and_render_pieces_are_shown_when_recorded(tmp_path: Path):
    folder = _project(tmp_path, "template")
    pipeline.add_scene(folder, "Magma rises. Lava flows.", "a volcano")
    scene = folder.project.scenes[0]
    scene.audio = "scenes/01/voice-test.wav"
    write_json(
        folder.path("scenes/01/voice-test.json"),
        {
            "duration": 2.5,
            "sentences": [["Magma rises.", 0.0, 1.1], ["Lava flows.", 1.3, 2.4]],
            "words": [["Magma", 0.0, 0.5], ["rises.", 0.55, 1.1], ["Lava", 1.3, 1.7], ["flows.", 1.75, 2.4]],
            "phonemes": [["m", 0.0, 0.08], ["ˈa", 0.08, 0.2]],
        },
    )
    silence = Speech(np.zeros(round(2.5 * 22050), dtype=np.float32), 22050, [])
    write_wav(folder.path("scenes/01/voice-test.wav"), silence)  # the recording the timings describe
    (folder.root / "scenes/01/step-1.png").write_bytes(b"")
    scene.image_details = {
        "steps": [
            {"step": 1, "steps": 2, "file": "scenes/01/step-1.png"},
            {"step": 2, "steps": 2, "file": "../../outside.png"},  # project.json edited by hand
        ]
    }
    folder.project.render_trace = {
        "pieces": [
            {"label": "scene 01", "frames": 75, "reused": True, "seconds": 0.01},
            {"label": "scene 02", "frames": 60, "reused": False, "seconds": 1.5},
        ],
        "encoder": "libx264",
    }
    report = how_it_works(folder)
    assert "Magma 0.00 · rises. 0.55 · Lava 1.30 · flows. 1.75" in report
    assert "`m` 0.00 `ˈa` 0.08" in report
    assert "| scene 01 | 75 | ♻️ reused | 0.01 s |" in report
    assert "| scene 02 | 60 | encoded | 1.50 s |" in report
    assert "1 of 2 pieces were reused." in report and "Encoder: libx264" in report
    assert "![after step 1 of 2](scenes/01/step-1.png)" in report and "outside" not in report


@pytest.mark.parametrize("variable", ["OPENAI_API_KEY", "CLASSROOM_LLM"])  # the second named by the option
def test_an_api_key_never_reaches_the_trace_or_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
):
    key = "sk-test-4f9a8b7c6d5e4f3a2b1c"
    monkeypatch.setenv(variable, key)
    script = {
        "title": "Volcanoes",
        "scenes": [
            {"narration": "Magma rises through the crust.", "image_prompt": f"a volcano, {key}"},
            {"narration": "Lava cools into new rock.", "image_prompt": "cooling lava"},
        ],
    }
    with FakeLLM() as server:
        server.queue(json.dumps(script))
        options = {
            "base_url": server.base_url,
            "model": "fake-model",
            "stream": False,
            "api_key_env": variable,
        }
        folder = _project(tmp_path, "openai", **options)
        pipeline.write_script(folder, scenes=2)
        assert server.requests[0]["_authorization"] == f"Bearer {key}", "the key was sent to the server"
    trace = folder.project.script_trace
    assert trace["writer"] == "openai" and trace["raw_replies"], "the chat writer wrote the script"
    assert trace["requests"][0]["url"] == f"{server.base_url}/chat/completions"
    report = write_report(folder).read_text(encoding="utf-8")
    assert "### The conversation" in report and "[hidden]" in report
    assert key not in json.dumps(trace) and key not in report
    assert public_url("https://user:pw@example.com:8080/v1?api_key=abc#x") == "https://example.com:8080/v1"


# ---- diffusers: a strip of intermediate steps -----------------------------------------------------------


def test_diffusers_preview_steps_keeps_a_strip_of_intermediate_pictures(tiny_pipeline: Path):
    options = {"model": str(tiny_pipeline), "style": "none", "steps": 6}
    request = ImageRequest(prompt="a volcano at dawn", width=360, height=640, seed=7)
    plain = registry.create(Stage.IMAGES, "diffusers", options)
    picture = plain.make(request)
    assert plain.last_steps == [], "normal runs decode no intermediate steps"

    maker = registry.create(Stage.IMAGES, "diffusers", {**options, "preview_steps": True})
    assert np.array_equal(np.asarray(maker.make(request)), np.asarray(picture)), "the picture is the same"
    steps = maker.last_steps
    assert [(s.step, s.steps) for s in steps] == [(1, 6), (3, 6), (4, 6), (6, 6)]
    assert all(max(s.image.size) <= 256 for s in steps)
    pixels = [np.asarray(s.image.convert("RGB"), dtype=float) for s in steps]
    final = np.asarray(picture.resize(steps[-1].image.size), dtype=float)
    distance = [np.abs(p - final).mean() for p in pixels]
    assert distance == sorted(distance, reverse=True) and len(set(distance)) == 4, "closer at each step"
    assert distance[-1] < 1.0, "the last step decodes to the picture itself"
    assert maker.details(request) == {"prompt_sent": "a volcano at dawn"}


def test_the_waveform_marks_each_word_where_the_voice_starts_it(tmp_path: Path):
    from videocreator import pipeline
    from videocreator.project import Settings, StageChoice
    from videocreator.studio.views import waveform

    settings = Settings(script=StageChoice("template"), voice=StageChoice("piper"), resolution="360p")
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=settings)
    scene = pipeline.add_scene(folder, "Owls hunt at night without a sound.", "an owl")
    assert waveform(folder, scene) is None, "nothing to draw before the narration"
    pipeline.narrate_scene(folder, scene)
    picture = np.asarray(waveform(folder, scene, width=800, height=200))
    marks = np.all(picture[190] == (0xF9, 0x73, 0x16), axis=-1)  # a row below the sound: only the marks
    starts = np.flatnonzero(marks & ~np.roll(marks, 1))
    assert len(starts) == 7, "one mark per word"


def test_how_it_works_is_written_when_the_project_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = _project(tmp_path, "template")
    pipeline.write_script(folder, scenes=2)
    written: list[str] = []
    real = report.write_report
    monkeypatch.setattr(report, "write_report", lambda f: written.append("report") or real(f))

    pipeline.make_images(folder)
    assert written == ["report"], "new pictures are told of"
    pipeline.render(folder)
    assert written == ["report"] * 3, "new voices, then the render"
    assert "## Render" in (folder.root / REPORT_FILE).read_text(encoding="utf-8")
    pipeline.render(folder)
    assert written == ["report"] * 4, "a render of a ready project writes it once"
    scene = folder.project.scenes[0]
    pipeline.update_scene(folder, scene, narration="Magma rises through the crust.")
    pipeline.narrate_scene(folder, scene)
    pipeline.narrate_all(folder)
    assert written == ["report"] * 5, "a scene narrated on its own is told of by the next narrate_all"
