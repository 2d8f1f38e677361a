"""``videocreator batch --cluster``: a course's sections as tasks on a real Ray cluster started here (two
worker processes, a small object store), the summary table as with ``--jobs``, a section whose worker is
killed made again by Ray's retry, the music named on the command line heard though only the batch's
machine can read it, and Ray asked for only with ``--cluster``."""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

from tests.conftest import decode_audio, probe, require_module, unavailable
from tests.test_project_files import tone, tone_level
from videocreator import cli, cluster, pipeline
from videocreator.errors import BackendUnavailable, InputError
from videocreator.project import OwnText, ProjectFolder, Settings

require_module("ray", "Ray (the cluster extra) is not installed: pip install -r requirements-cluster.txt")

ROOT = Path(__file__).resolve().parent.parent
COURSE = """# Owls

Owls hunt at night. Their soft feathers make their flight almost silent.

# Tides

The moon pulls on the oceans. Twice a day the sea rises and falls on the shore.

# Waves

Wind makes waves. The longer it blows, the higher they grow.

# Stars

Stars are suns, so far away that their light takes years to reach us.
"""
# The batch in a mount namespace of its own, its music on a tmpfs there: the cluster's workers (started
# by this test, outside it) cannot read the file the settings name, as on another machine.
PRIVATE_MUSIC = """
mount -t tmpfs videocreator-test "$PRIVATE" || exit 90
cp "$TONE" "$PRIVATE/tone.wav"
exec "$@"
"""
TASK_TITLE = f"ray::{cluster.make_remote_section.__name__}"  # a worker's process title while it runs one


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """A local Ray cluster of two worker processes; its address, as ``--cluster`` takes it."""
    import ray

    # Ray gives a local cluster a token (RAY_AUTH_MODE=token, for this process and its children: the
    # batch); this one's, not one written to ~/.ray.
    env = {name: os.environ.get(name) for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    ray.init(
        num_cpus=2, object_store_memory=100 * 1024**2, include_dashboard=False, log_to_driver=False,
        logging_level=logging.ERROR,
    )  # fmt: skip
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        for name, value in env.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def _kill_one_running_section(batch: subprocess.Popen[str]) -> int | None:
    """Kill the first worker process seen running a section (of the cluster this test started), once;
    its pid, or None if the batch ended first."""
    ours = psutil.Process()
    while batch.poll() is None:
        for worker in ours.children(recursive=True):
            try:
                if worker.cmdline()[:1] and worker.cmdline()[0].startswith(TASK_TITLE):
                    os.kill(worker.pid, signal.SIGKILL)
                    return worker.pid
            except psutil.Error:
                continue
        time.sleep(0.05)
    return None


def test_a_course_on_a_ray_cluster_survives_a_lost_worker_and_reports_like_jobs(head: str, tmp_path: Path):
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        unavailable("this system allows no user namespaces, so no music can be kept from the workers")
    course = tmp_path / "course.md"
    course.write_text(COURSE)
    out, private = tmp_path / "out", tmp_path / "private"
    private.mkdir()
    pipeline.new_project("Something else", out / "waves")  # this section's folder is taken: it fails
    (out / "tides.zip").write_text("a file of the person's, beside a section's folder")
    (out / "stars").symlink_to(tmp_path / "a disk since taken away")  # its set-up fails, said plainly
    env = {**os.environ, "PRIVATE": str(private), "TONE": str(tone(tmp_path / "tone.wav", seconds=30))}
    args = ["unshare", "-rm", "bash", "-c", PRIVATE_MUSIC, "private-music",
            sys.executable, "-m", "videocreator", "batch", str(course), "--out", str(out), "--cluster", head,
            "--resolution", "720p", "--music", str(private / "tone.wav"),
            "--no-title-card", "--no-end-card"]  # fmt: skip
    batch = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed = _kill_one_running_section(batch)
    stdout, stderr = batch.communicate(timeout=300)
    assert killed is not None, f"no section's worker was seen running: {stderr}"
    assert batch.returncode == 1, f"two sections failed, so the exit status says so: {stderr}"
    table = stdout.splitlines()
    assert table[0].split() == ["section", "scenes", "length", "status"]
    assert [line.split()[0] for line in table[1:]] == ["Owls", "Tides", "Waves", "Stars"], stderr
    assert "video.mp4" in table[1] and "video.mp4" in table[2], (
        f"the killed worker's section is made, with the music only this machine has: {table}"
    )
    assert "failed:" in table[3] and f"{out / 'waves'} already holds a project" in table[3]
    gone = tmp_path / "a disk since taken away"
    assert f"failed: {out / 'stars'} is a link to {gone}, which is not there" in table[4]
    assert "Traceback" not in stderr, stderr
    for name in ("owls", "tides"):
        folder = ProjectFolder.open(out / name)
        assert probe(folder.video).frames > 0 and folder.captions.is_file()
        assert any((out / name / "cache").iterdir()), "the render cache comes back too"
        samples, rate = decode_audio(folder.video)
        assert tone_level(samples, rate, 0.0, len(samples) / rate) > 0.01, f"{name}: the music plays"
    assert ProjectFolder.open(out / "waves").project.topic == "Something else", "a taken folder is kept"
    assert (out / "tides.zip").read_text().startswith("a file of the person's"), (
        "packing writes beside nothing"
    )
    assert sorted(p.name for p in out.iterdir()) == ["owls", "stars", "tides", "tides.zip", "waves"], (
        "nothing half-put in place"
    )


def test_a_folder_sent_back_that_cannot_be_put_in_place_leaves_the_section_as_it_was(tmp_path, monkeypatch):
    folder = pipeline.new_project("Owls at night", tmp_path / "out" / "owls")
    sent_back = cluster._pack(pipeline.new_project("Owls", tmp_path / "worker"))
    rename = Path.rename

    def fails_for_the_folder_sent_back(self: Path, target: Path) -> Path:
        if ".new-" in self.name:  # another process took the folder's name between the two renames, say
            raise OSError(errno.EEXIST, "File exists", str(target))
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", fails_for_the_folder_sent_back)
    with pytest.raises(OSError):
        cluster._put_in_place(sent_back, folder.root)
    assert ProjectFolder.open(folder.root).project.topic == "Owls at night"
    assert os.listdir(tmp_path / "out") == ["owls"], "nothing left beside it"


FULL_TEMP_DISK = """
mount -t tmpfs -o size="$SIZE" videocreator-test "$DISK" || exit 90
TMPDIR="$DISK" exec "$PYTHON" -c "$WORKER" "$@"
"""
WORKER = """
import errno, pickle, sys
from pathlib import Path
from videocreator import cluster
from videocreator.batch import SectionJob
from videocreator.project import OwnText, Settings
job = SectionJob("Owls", OwnText("Owls hunt at night."), Path("out/owls"), None, Settings())
try:
    cluster.make_remote_section(job, Path(sys.argv[1]).read_bytes())
except cluster.RETRIED as exc:
    again = pickle.loads(pickle.dumps(exc))  # what Ray does to send it to the head
    print("raised", type(again).__name__, again.errno == errno.ENOSPC, again.strerror)
else:
    print("returned")
"""


def _noise_wav(path: Path, seconds: float) -> Path:
    """Music that no zip makes smaller: white noise, 16-bit mono at 44.1 kHz (88 KB a second)."""
    samples = np.random.default_rng(0).integers(-8000, 8000, int(44100 * seconds), dtype=np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(samples.tobytes())
    return path


@pytest.mark.parametrize(
    ("size", "music_s", "said"),
    # Full while unpacking names the section's folder (writing the zip would name the zip).
    [("1m", 0, "is full"), ("40m", 0, "has too little room (render: only "), ("1m", 8, "/section)")],
    ids=["full while writing", "too little room for the render", "full while unpacking"],
)
def test_a_full_temporary_disk_on_a_worker_is_raised_for_ray_to_retry(
    tmp_path: Path, size: str, music_s: float, said: str
):
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        unavailable("this system allows no user namespaces, so no private tmpfs can be mounted")
    settings = Settings(music=str(_noise_wav(tmp_path / "noise.wav", music_s))) if music_s else None
    packed = tmp_path / "owls.zip"
    packed.write_bytes(
        cluster._pack(
            pipeline.new_project(
                "Owls", tmp_path / "owls", settings=settings, own_text=OwnText("Owls hunt at night.")
            )
        )
    )  # 0.7 MB with 8 s of music: it fits the 1 MB disk once, not twice (the zip and what it holds)
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "DISK": str(disk), "SIZE": size, "PYTHON": sys.executable, "WORKER": WORKER}
    done = subprocess.run(
        ["unshare", "-rm", "bash", "-c", FULL_TEMP_DISK, "worker", str(packed)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip()
    assert out.startswith("raised OSError True the disk of the worker on "), out
    assert said in out, out


def test_a_head_that_does_not_answer_is_said_at_once():
    with pytest.raises(InputError, match=r"cannot reach the Ray cluster at 127\.0\.0\.1:1 "):
        cluster.RayRunner("127.0.0.1:1")


def test_ray_is_imported_only_for_a_cluster_and_its_absence_is_one_line(monkeypatch, tmp_path, capsys):
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, videocreator.cli; print('ray' in sys.modules)"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert loaded.stdout.strip() == "False", loaded.stderr
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets where it is not installed
    with pytest.raises(BackendUnavailable, match=re.escape(cluster.EXTRA)):
        cluster.RayRunner("127.0.0.1:6379")
    course = tmp_path / "course.md"
    course.write_text(COURSE)
    assert (
        cli.main(["batch", str(course), "--out", str(tmp_path / "out"), "--cluster", "127.0.0.1:6379"]) == 2
    )
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and error.endswith(cluster.EXTRA), error
    assert not (tmp_path / "out").exists()
