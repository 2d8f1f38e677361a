"""A workshop on one server: how many heavy jobs run at once (the config chain), short jobs beside a render,
and a waiting visitor's place and estimate, through gradio_client against the studio on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.utils import Status, StatusUpdate

from tests.conftest import running_studio
from videocreator import batch, registry, settings
from videocreator.errors import InputError
from videocreator.settings import ServerSettings
from videocreator.stage import Stage
from videocreator.studio import wiring
from videocreator.studio.queues import HEAVY, HEAVY_NICENESS, SHORT, yielding

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = ("Why the sky is blue", 2, "a general audience", "friendly and clear", "en", "template")


def render_args(resolution: str) -> tuple[object, ...]:
    return ("9:16", resolution, True, 6, "bottom", "#FFFFFF", "None", None, 0.12)


@contextmanager
def workshop(folder: Path) -> Iterator[list[Client]]:
    """Three visitors of a studio running one heavy job at a time, each with a two-scene project
    (template script, offline pictures, the bundled Piper voice)."""
    with running_studio(folder, server=ServerSettings(heavy_jobs=1)) as (url, _):
        clients = [Client(url, verbose=False) for _ in range(3)]
        for client in clients:
            client.predict(*SCRIPT, api_name="/write_script")
            client.predict("card", 1, "", "band", None, api_name="/make_images")
            client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
        yield clients


@pytest.fixture(scope="module")
def visitors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Client]]:
    with workshop(tmp_path_factory.mktemp("workshop")) as clients:
        yield clients


@pytest.fixture
def first_visitors(tmp_path: Path) -> Iterator[list[Client]]:
    """The visitors of a studio of their own, which has run no render yet."""
    with workshop(tmp_path) as clients:
        yield clients


def timed_runs(client: Client, api_name: str) -> int:
    """How many runs of the event ``api_name`` Gradio has timed in the studio ``client`` visits (its
    estimates are their average)."""
    blocks = next(b for b in gr.Blocks.get_instances() if b.local_url == client.src)
    fn = next(fn for fn in blocks.fns.values() if fn.api_name == api_name)
    timed = blocks._queue.process_time_per_fn.get(fn)
    return 0 if timed is None else timed.count


def started(job) -> bool:
    """Whether the server has taken ``job`` from its queue (a job reporting progress is running too)."""
    return job.done() or job.status().code in (Status.PROCESSING, Status.PROGRESS, Status.ITERATING)


def running(job) -> None:
    """Wait until the server has started ``job``."""
    while not started(job):
        time.sleep(0.05)


def test_a_preview_asked_during_a_1080p_render_is_ready_first(visitors):
    renderer, previewer = visitors[0], visitors[1]
    render = renderer.submit(*render_args("1080p"), api_name="/render")
    while render.status().code != Status.PROGRESS:  # its progress reaches the visitor from its own thread
        assert not render.done(), "the render reported no progress"
        time.sleep(0.05)
    previewer.predict(*render_args("1080p"), api_name="/preview")
    assert not render.done(), "the preview waited for the 1080p render"
    assert render.result()[0].endswith("video.mp4")


def test_a_waiting_visitor_sees_their_place_and_an_estimate(first_visitors):
    """The first renders of this server: the estimate comes from the renderer's remembered speed."""
    visitors = first_visitors
    assert timed_runs(visitors[0], "render") == 0, "Gradio has timed a render: its estimate is its own"
    first = visitors[0].submit(*render_args("720p"), api_name="/render")
    running(first)
    second = visitors[1].submit(*render_args("720p"), api_name="/render")
    while second.status().code != Status.IN_QUEUE and not started(second):
        time.sleep(0.05)
    third = visitors[2].submit(*render_args("720p"), api_name="/render")
    seen: list[StatusUpdate] = []
    while not started(third):
        seen.append(third.status())
        time.sleep(0.05)
    waiting = [s for s in seen if s.code == Status.IN_QUEUE and s.rank is not None]
    assert waiting, "the third visitor was told nothing while waiting"
    assert (waiting[0].rank, waiting[0].queue_size) == (1, 2), "one render ahead of them in the queue"
    assert all(s.eta is not None and s.eta > 0 for s in waiting), [(s.rank, s.eta) for s in waiting]
    for job in (first, second, third):
        assert job.result()[0].endswith("video.mp4")


def test_every_queued_job_starts_with_an_estimate():
    """A visitor waiting for a job of a kind the queue has not timed yet, or behind one running, is told
    an estimate all the same: every event of the two queues starts with a first time (renders' from the
    renderer's remembered speed, the others' a guess)."""
    demo = wiring.build_app()
    timed = demo._queue.process_time_per_fn
    queued = [fn for fn in demo.fns.values() if fn.concurrency_id in (HEAVY, SHORT)]
    untimed = [fn.api_name for fn in queued if fn not in timed or timed[fn].avg_time <= 0]
    assert len(queued) == 12 and not untimed, untimed


def test_heavy_jobs_come_from_the_config_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    """defaults < config file ([studio]) < VIDEOCREATOR_HEAVY_JOBS < arguments; a bad value is refused
    by name, and the studio's queues run as many as the chain says."""
    assert settings.server().heavy_jobs == max(1, settings.cores() // 2)
    config = tmp_path / "config.toml"
    config.write_text('aspect = "16:9"\n[studio]\nheavy_jobs = 3\n')
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(config))
    assert settings.server().heavy_jobs == 3
    assert settings.resolve().aspect == "16:9", "a project's settings still read from the same file"
    monkeypatch.setenv("VIDEOCREATOR_HEAVY_JOBS", "2")
    assert settings.server().heavy_jobs == 2
    assert settings.server({"heavy_jobs": 4}).heavy_jobs == 4
    assert settings.server({"heavy_jobs": None}).heavy_jobs == 2, "an argument not given leaves the rest"
    demo = wiring.build_app()
    queues = {fn.api_name: (fn.concurrency_id, fn.concurrency_limit) for fn in demo.fns.values()}
    assert queues["render"] == ("heavy", 2) and queues["preview"] == ("short", 2)
    for bad in ("0", "many"):
        monkeypatch.setenv("VIDEOCREATOR_HEAVY_JOBS", bad)
        with pytest.raises(InputError, match="studio setting heavy_jobs"):
            settings.server()
    monkeypatch.delenv("VIDEOCREATOR_HEAVY_JOBS")
    config.write_text("[studio]\nheavy_job = 3\n")
    with pytest.raises(InputError, match="heavy_job"):
        settings.server()
    with pytest.raises(SystemExit):
        wiring.main(["--heavy-jobs", "0"])
    assert "studio setting heavy_jobs: Input should be greater than or equal to 1" in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own CPU priority is Linux's")
def test_a_heavy_job_and_the_processes_it_starts_yield_the_cores():
    """A heavy job runs at a lower CPU priority than the server, and so does the ffmpeg it starts; its
    errors reach the caller as they were raised."""

    def job(fail: bool = False) -> tuple[int, int]:
        if fail:
            raise ValueError("no such project")
        child = subprocess.run(["cat", "/proc/self/stat"], capture_output=True, text=True, check=True)
        nice_of_child = int(child.stdout.rpartition(")")[2].split()[16])
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), nice_of_child

    server = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    expected = min(19, server + HEAVY_NICENESS)
    assert yielding(job)() == (expected, expected)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == server, "the server's own is kept"
    with pytest.raises(ValueError, match="no such project"):
        yielding(job)(fail=True)


FIRST_WORKER_FROM_A_HEAVY_JOB = """
import os, threading
from tests.model_stand_ins import load_nothing, process_id
from videocreator.stage import Stage
from videocreator.studio.queues import yielding
from videocreator.worker import ModelWorker
server = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
model = ModelWorker(load_nothing, stage=Stage.VOICE, provider="piper", load_budget_s=30)
try:
    pid = yielding(model.run)(process_id, budget_s=30)
    print(server, os.getpriority(os.PRIO_PROCESS, pid))
finally:
    model.stop()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own CPU priority is Linux's")
def test_a_model_worker_started_by_a_heavy_job_runs_at_the_servers_priority():
    """A model's worker serves every job after the one that started it, short ones too: started by a heavy
    job, it still runs at the server's priority. In a new process, where no worker was started before (the
    launcher of the workers' processes is one per process)."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_WORKER_FROM_A_HEAVY_JOB], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    server, worker = done.stdout.split()
    assert worker == server


def test_the_local_writer_writes_on_the_cores_of_one_heavy_job(monkeypatch: pytest.MonkeyPatch):
    """A script is written before anything else of its job, so llama.cpp writes on all the cores the job
    has (5 scenes in 3.3-3.5 s on two against 4.5-4.8 s on one); where heavy jobs run side by side (the
    studio's, a batch's sections), on its share: two threads beside a busy core wait for each other."""
    monkeypatch.setattr(settings, "cores", lambda: 8)
    writer = registry.create(Stage.SCRIPT, "local")
    assert writer.threads() == 8, "a make from the command line: the only job"
    with batch.section_processes(workers=4, jobs=3) as sections:
        assert sections.submit(os.getenv, settings.HEAVY_JOBS_NOW).result() == "3", "3 sections at once"
    assert settings.HEAVY_JOBS_NOW not in os.environ, "declared in the sections' processes only"
    monkeypatch.setenv(settings.HEAVY_JOBS_NOW, "4")  # as the studio declares its heavy_jobs
    assert writer.threads() == 2
    assert registry.create(Stage.SCRIPT, "local", {"threads": 3}).threads() == 3, "the option decides"
    monkeypatch.setenv("VIDEOCREATOR_HEAVY_JOBS", "1")
    assert writer.threads() == 2, "the studio's setting counts where the studio declares it"
