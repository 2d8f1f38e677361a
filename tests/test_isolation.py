"""Native model code runs in a worker process: a segfault, a hang or an exit in it fails one request with a
one-line error naming the stage and provider; the server, the CLI and the project carry on."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client

from tests.conftest import running_studio
from tests.model_stand_ins import (
    exit_half_way,
    fails,
    hang,
    load_nothing,
    not_data,
    process_id,
    segfault,
    sends,
    standing_in,
    unpicklable,
)
from videocreator import pipeline
from videocreator.backend import checked_speech
from videocreator.errors import ProviderFailed, Stopped
from videocreator.loaded import ModelCache
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.stage import Stage
from videocreator.worker import ModelWorker


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def worker():
    worker = ModelWorker(load_nothing, stage=Stage.SCRIPT, provider="local", load_budget_s=30)
    yield worker
    worker.stop()


def test_a_segfault_is_an_error_naming_stage_and_provider_and_the_next_job_starts_a_new_process(worker):
    first = worker.run(process_id, budget_s=10)
    assert first != os.getpid() and worker.run(process_id, budget_s=10) == first, "one process, reused"
    with pytest.raises(ProviderFailed) as failed:
        worker.run(segfault, budget_s=10)
    assert str(failed.value).startswith("script (local): the model's process crashed (SIGSEGV) while working")
    assert not alive(first)
    second = worker.run(process_id, budget_s=10)
    assert second not in (first, os.getpid()) and alive(second)


def test_a_hang_is_cut_at_its_budget_and_its_process_ended(worker):
    pid = worker.run(process_id, budget_s=10)
    started = time.monotonic()
    with pytest.raises(ProviderFailed, match=r"did not finish within 1 s; its process was stopped"):
        worker.run(hang, budget_s=1)
    assert time.monotonic() - started < 5
    assert not alive(pid)
    assert worker.run(process_id, budget_s=10) != pid


def test_an_exit_half_way_is_an_error_after_the_notes_it_sent(worker):
    notes: list[str] = []
    with pytest.raises(ProviderFailed, match=r"the model's process exited with code 3 while working"):
        worker.run(exit_half_way, budget_s=10, on_note=notes.append)
    assert notes == ["half-way"]


def test_a_reply_that_is_not_data_is_refused(worker):
    with pytest.raises(ProviderFailed, match=r"sent back something that is not data \(os\.terminal_size"):
        worker.run(not_data, budget_s=10)


def test_an_error_in_the_job_is_one_line_and_its_traceback_goes_to_the_log(worker, caplog, capfd):
    caplog.set_level(logging.WARNING, logger="videocreator")  # whatever a command line run before set
    with pytest.raises(ProviderFailed) as failed:
        worker.run(fails, budget_s=10)
    assert str(failed.value) == "script (local): the model failed: ValueError: the tensor has the wrong shape"
    assert "Traceback" in caplog.text and "in fails" in caplog.text
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"junk", "sent back something that is not data"),
        (pickle.dumps(("error", 5)), "sent back an unknown message"),
        (pickle.dumps(("error", ("ProviderFailed",))), "sent back an unknown message"),
        (pickle.dumps(["done"]), "sent back an unknown message"),
        (pickle.dumps(("done", 1))[:-3], "sent back something that is not data"),
    ],
)
def test_a_malformed_message_is_the_models_failure(worker, raw: bytes, says: str):
    with pytest.raises(ProviderFailed, match=says):
        worker.run(sends, raw, budget_s=10)


def test_a_reply_that_cannot_be_sent_is_an_error_and_the_worker_carries_on(worker):
    pid = worker.run(process_id, budget_s=10)
    with pytest.raises(ProviderFailed, match=r"the model failed: TypeError: cannot pickle"):
        worker.run(unpicklable, budget_s=10)
    assert worker.run(process_id, budget_s=10) == pid


def test_a_stop_asked_for_ends_the_job_and_its_process(worker):
    pid = worker.run(process_id, budget_s=10)
    asked = time.monotonic() + 0.5
    with pytest.raises(Exception, match=r"script: stopped"):
        worker.run(hang, budget_s=60, stopping=lambda: time.monotonic() > asked)
    assert not alive(pid)


def test_a_worker_dropped_by_its_cache_ends_its_process():
    cache: ModelCache[int, ModelWorker] = ModelCache(max_models=1, drop=ModelWorker.retire)
    first = cache.get(1, lambda: ModelWorker(load_nothing, stage=Stage.VOICE, provider="piper")).model
    pid = first.run(process_id, budget_s=10)
    cache.get(2, lambda: ModelWorker(load_nothing, stage=Stage.VOICE, provider="piper"))
    assert not alive(pid) and first.pid is None


@pytest.mark.parametrize("ending", ["exits", "is killed"])
def test_a_busy_worker_ends_with_the_server_that_started_it(ending: str):
    program = (
        "import sys, threading, time; from tests.model_stand_ins import hang, load_nothing, process_id; "
        "from videocreator.stage import Stage; from videocreator.worker import ModelWorker; "
        "w = ModelWorker(load_nothing, stage=Stage.VOICE, provider='piper'); "
        "print(w.run(process_id, budget_s=30), flush=True); "
        "threading.Thread(target=w.run, args=(hang,), kwargs={'budget_s': 600}, daemon=True).start(); "
        "time.sleep(1); " + ("time.sleep(60)" if ending == "is killed" else "sys.exit(0)")
    )
    server = subprocess.Popen(
        [sys.executable, "-c", program], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
    )
    assert server.stdout is not None
    pid = int(server.stdout.readline())
    if ending == "is killed":
        server.kill()
    server.wait(timeout=30)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def test_speech_from_a_worker_is_checked():
    good = {
        "samples": np.full(22050, 2.0, dtype=np.float32),
        "sample_rate": 22050,
        "sentences": [("Hello there.", 0.0, 1.0)],
        "words": [("Hello", 0.0, 0.4), ("there.", 0.5, 1.0)],
        "phonemes": ["həlˈoʊ ðˈɛɹ"],
    }
    speech = checked_speech(good, stage=Stage.VOICE, provider="piper")
    assert speech.duration == 1.0 and float(np.max(speech.samples)) == 1.0, "clipped to [-1, 1]"
    for change, why in [
        ({"samples": np.full(100, np.nan, dtype=np.float32)}, "not mono, finite sound"),
        ({"sample_rate": -1}, "a sample rate of -1 Hz"),
        ({"sentences": [("Hello there.", 0.0, 20000.0)]}, "sentences timed outside the audio"),
        (
            {"words": [("there.", 0.5, 1.0), ("Hello", 0.0, 0.4)]},
            "words timed outside the audio or out of order",
        ),
        ({"sentences": "junk"}, "malformed speech"),
    ]:
        with pytest.raises(ProviderFailed, match=why):
            checked_speech({**good, **change}, stage=Stage.VOICE, provider="piper")


def _topic_project(folder: Path, writer: str = "auto") -> ProjectFolder:
    settings = Settings(script=StageChoice(writer), images=StageChoice("card"), voice=StageChoice("piper"))
    return pipeline.new_project("How volcanoes form", folder, settings=settings)


def test_auto_passes_over_a_crashing_local_model_to_the_template_writer(tmp_path: Path):
    folder = _topic_project(tmp_path / "p")
    warnings: list[str] = []
    with standing_in("segfaulting-writer"):
        pipeline.write_script(folder, scenes=3, reporter=pipeline.Reporter(warn=warnings.append))
    assert folder.project.script_trace["writer"] == "template" and len(folder.project.scenes) == 3
    assert any("script (local): the model's process crashed (SIGSEGV)" in w for w in warnings), warnings
    assert any("crashed (SIGSEGV)" in line for line in pipeline.what_ran(folder))


def test_a_hanging_local_model_is_cut_and_passed_over(tmp_path: Path):
    folder = _topic_project(tmp_path / "p", writer="local")
    warnings: list[str] = []
    started = time.monotonic()
    with standing_in("hanging-writer"):
        pipeline.write_script(folder, scenes=2, reporter=pipeline.Reporter(warn=warnings.append))
    assert time.monotonic() - started < 30
    assert folder.project.script_trace["writer"] == "template"
    assert any("did not finish within 1 s" in w for w in warnings), warnings


def test_stop_reaches_the_models_process_through_the_pipeline(tmp_path: Path):
    folder = _topic_project(tmp_path / "p", writer="local")
    asked = time.monotonic() + 1.0
    started = time.monotonic()
    with standing_in("slow-writer"), pytest.raises(Stopped, match="script: stopped"):
        pipeline.write_script(
            folder, scenes=2, reporter=pipeline.Reporter(stopping=lambda: time.monotonic() > asked)
        )
    assert time.monotonic() - started < 15 and not folder.project.scenes


def test_stop_reaches_the_voices_process_when_narrating_every_scene(tmp_path: Path):
    folder = _topic_project(tmp_path / "p", writer="template")
    pipeline.write_script(folder, scenes=2)
    asked = time.monotonic() + 1.0
    started = time.monotonic()
    with standing_in("hanging-voice"), pytest.raises(Stopped, match="voice: stopped"):
        pipeline.narrate_all(folder, pipeline.Reporter(stopping=lambda: time.monotonic() > asked))
    assert time.monotonic() - started < 15 and not any(scene.audio for scene in folder.project.scenes)


def _snapshot(folder: Path) -> dict[str, object]:
    """Every file of a project, project.json as data without ``ran`` (the backend chosen for a stage is
    noted as the stage starts)."""
    files: dict[str, object] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[str(path.relative_to(folder))] = path.read_bytes()
    files["project.json"] = {**json.loads(files["project.json"]), "ran": None}  # type: ignore[arg-type]
    return files


@pytest.mark.slow
def test_make_exits_2_with_one_line_when_the_voice_crashes_and_leaves_the_folder_as_it_was(tmp_path: Path):
    folder = _topic_project(tmp_path / "p", writer="template")
    pipeline.write_script(folder, scenes=2)
    pipeline.make_images(folder)
    before = _snapshot(folder.root)
    program = (
        "import sys; from tests.model_stand_ins import use; use('segfaulting-voice'); "
        "from videocreator.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", program, "make", "How volcanoes form", "--out", str(folder.root)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert errors == [
        "error: voice (piper): the model's process crashed (SIGSEGV) while working; "
        "the next request starts a new one"
    ], proc.stderr
    assert "Traceback" not in proc.stderr
    assert _snapshot(folder.root) == before


@pytest.mark.slow
def test_the_studio_keeps_serving_while_a_model_crashes(tmp_path: Path):
    with standing_in("segfaulting-writer"), running_studio(tmp_path / "studio") as (url, _):
        crashing, other = Client(url, verbose=False), Client(url, verbose=False)
        out = crashing.predict(
            "How bees make honey", 3, "kids", "fun", "en", "local", api_name="/write_script"
        )
        assert len(out[1]["data"]) == 3, "the template writer wrote it"
        assert "template" in json.dumps(out, ensure_ascii=False)
        out = other.predict(
            "How volcanoes form", 2, "kids", "fun", "en", "template", api_name="/write_script"
        )
        assert out[0] == "How volcanoes form" and len(out[1]["data"]) == 2
        out = crashing.predict(
            "How bees make honey", 2, "kids", "fun", "en", "local", api_name="/write_script"
        )
        assert len(out[1]["data"]) == 2, "the crashing model is started again, and passed over again"
