"""Bad input, killed processes, full disks and many visitors: only clear errors, nothing lost."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import namedtuple
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import probe, unavailable, wait_until_serving
from tests.fake_llm_server import FakeLLM
from tests.test_chat_writers import good_script
from videocreator import pipeline
from videocreator.backend import ScriptRequest
from videocreator.errors import InputError
from videocreator.images.upload import fit_image
from videocreator.limits import MAX_SCENES
from videocreator.project import ProjectFolder, Settings, StageChoice
from videocreator.render import captions
from videocreator.text import check_topic
from videocreator.typography import render_text
from videocreator.writers.template import TemplateWriter

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=400
) | st.sampled_from(
    ["../../etc/passwd", "/dev/null", "C:\\Windows", "مرحبا \u202e abc", "e\u0301" * 300, "🌋" * 50]
)


@FUZZ
@given(ANY_TEXT)
def test_any_topic_is_accepted_cleanly_or_refused_clearly(topic: str):
    try:
        cleaned = check_topic(topic)
    except InputError as exc:
        assert exc.stage == "script" and "\n" not in str(exc)
        return
    assert cleaned == cleaned.strip() and "\x00" not in cleaned
    script = TemplateWriter().write(ScriptRequest(topic=cleaned, scenes=3))
    assert len(script.scenes) == 3


@FUZZ
@given(ANY_TEXT, st.integers(1, 8))
def test_any_text_renders_within_the_frame_and_chunks_losslessly(text: str, max_words: int):
    image = render_text(text, size=40, max_width=600, stroke_width=3, max_lines=3)
    assert image.width <= 600 + 10 and image.height < 400
    words = " ".join(text.split())
    if words:
        assert " ".join(captions.chunk(words, max_words)).replace(" ", "") == words.replace(" ", "")


def _valid_image(fmt: str) -> bytes:
    rng = np.random.default_rng(3)
    image = Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


VALID_IMAGES = {fmt: _valid_image(fmt) for fmt in ("PNG", "JPEG", "WEBP")}


def mutated(fmt: str, rng: random.Random) -> bytes:
    """A valid PNG, JPEG or WebP with bytes flipped, cut out or inserted: what reaches the decoders."""
    data = bytearray(VALID_IMAGES[fmt])
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(data))
        action = rng.choice(["flip", "cut", "insert"])
        if action == "flip":
            data[at] ^= rng.randint(1, 255)
        elif action == "cut":
            del data[at : at + rng.randint(1, 64)]
        else:
            data[at:at] = rng.randbytes(rng.randint(1, 32))
    return bytes(data)


BROKEN_IMAGES = st.builds(mutated, st.sampled_from(sorted(VALID_IMAGES)), st.randoms(use_true_random=False))


@FUZZ
@given(BROKEN_IMAGES | st.binary(max_size=512))
def test_any_bytes_as_an_upload_are_an_image_or_a_clear_error(data: bytes):
    try:
        assert fit_image(data, 64, 64).size == (64, 64)
    except InputError as exc:
        assert exc.stage == "images"


def test_the_upload_fuzzing_reaches_the_image_decoders():
    """Mutated files mostly keep their header, so a decoder (not the format sniffing) meets the damage."""
    rng = random.Random(11)
    samples = [mutated(fmt, rng) for fmt in sorted(VALID_IMAGES) for _ in range(40)]
    recognised = 0
    for data in samples:
        with contextlib.suppress(Exception):
            Image.open(io.BytesIO(data))
            recognised += 1
    assert recognised >= 0.7 * len(samples), f"only {recognised} of {len(samples)} reach a decoder"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=0, max_size=25))
def test_any_edited_script_is_saved_or_refused_and_stays_inside_the_folder(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("fuzz")
    project = root / "a" / "b" / "p"  # writes that escape it would land in a/b, a, or the root
    folder = pipeline.new_project("Owls", project, settings=Settings(script=StageChoice("template")))
    pipeline.write_script(folder, 2)
    pipeline.make_images(folder)
    with contextlib.suppress(InputError):
        pipeline.set_script(folder, rows[0][0] if rows else "", rows)
    pipeline.make_images(folder)
    reopened = ProjectFolder.open(folder.root).project
    assert 1 <= len(reopened.scenes) <= MAX_SCENES
    outside = [p for p in root.rglob("*") if not p.is_dir() and not p.resolve().is_relative_to(project)]
    assert not outside, f"written outside the project folder: {outside}"
    scene_dirs = folder.root / "scenes"
    names = {p.name for p in scene_dirs.iterdir()} if scene_dirs.is_dir() else set()
    assert names <= {s.id for s in reopened.scenes} | {"01", "02"}, "scene folders are named by id only"


def _make_command(out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "videocreator", "make", "How tides work", "--out", str(out)]
    return [*cmd, "--writer", "template", "--scenes", "3", "--resolution", "720p"]


def _run_killed_at(out: Path, delay: float, *, after_new_file: bool = False) -> None:
    """A make killed ``delay`` seconds after it starts (``after_new_file``: that long after it has
    finished a picture, voice or piece of its own, however slow the machine is)."""
    before = _made(out)
    proc = subprocess.Popen(
        _make_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while after_new_file and _made(out).keys() <= before.keys() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its ffmpeg children, as a power cut would
    proc.wait()


def _made(out: Path) -> dict[Path, int]:
    """Finished pictures, voices and video pieces, with the time each was written (a picture's layer of
    what lies under its text is written just before it, and made again with it if the picture is not)."""
    kinds = (".png", ".wav", ".h264")
    return {
        p: p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.suffix in kinds and not p.name.startswith(".") and not p.name.endswith(".textless.png")
    }


def test_killed_at_random_points_then_rerun_finishes_and_reuses(tmp_path: Path):
    rng = random.Random(7)
    out = tmp_path / "tides"
    midway = 0
    for delay in sorted(rng.uniform(0.5, 6.0) for _ in range(3)):
        _run_killed_at(out, delay)
        midway += (out / "project.json").is_file() and not (out / "video.mp4").is_file()
    _run_killed_at(out, rng.uniform(0.0, 0.3), after_new_file=True)
    midway += not (out / "video.mp4").is_file()
    assert midway >= 2, "the kills landed while the project was being made"
    made = _made(out)
    assert made, "the killed runs finished some pictures, voices or pieces"
    done = subprocess.run(_make_command(out), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert {p: _made(out).get(p) for p in made} == made, "the rerun reused what the killed runs made"
    info = probe(out / "video.mp4")
    assert info.frames > 0 and abs(info.audio_duration - info.video_duration) < 1 / 30
    assert not [p for p in out.rglob(".*") if p.is_file()], "no partial files are left behind"
    project = json.loads((out / "project.json").read_text())
    assert len(project["scenes"]) == 3 and all(s["audio"] and s["image"] for s in project["scenes"])


def test_render_refuses_to_start_without_disk_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    pipeline.write_script(folder, 1)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("shutil.disk_usage", lambda path: usage(10**9, 10**9 - 5 * 2**20, 5 * 2**20))
    with pytest.raises(InputError, match=r"only 5 MB free .* rendering needs about"):
        pipeline.render(folder)
    assert not folder.video.exists()


FULL_DISK_SCRIPT = """
set -u
mount -t tmpfs -o size=1m videocreator-test "$DISK" || exit 90
run() { "$PYTHON" -m videocreator make "How tides work" --out "$DISK/p" --writer template --scenes 3 \\
    --resolution 720p > /dev/null 2>> "$OUT/$1.err"; echo $? > "$OUT/$1.rc"; }
run full
find "$DISK" -name '.*' -type f > "$OUT/full.partials"
mount -o remount,size=40m "$DISK" && run small
mount -o remount,size=2g "$DISK" && run roomy
cp "$DISK/p/video.mp4" "$DISK/p/project.json" "$OUT/"
"""


def test_a_full_disk_stops_with_a_message_and_the_rerun_finishes(tmp_path: Path):
    """A real small filesystem (tmpfs in a user namespace), so writes really fail with ENOSPC."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        unavailable("this system allows no user namespaces, so no private tmpfs can be mounted")
    out, disk = tmp_path / "out", tmp_path / "disk"
    out.mkdir(), disk.mkdir()
    env = {**os.environ, "OUT": str(out), "DISK": str(disk), "PYTHON": sys.executable}
    done = subprocess.run(["unshare", "-rm", "bash", "-c", FULL_DISK_SCRIPT], env=env, timeout=600)
    assert done.returncode != 90, "mounting the test filesystem failed"
    full_error = (out / "full.err").read_text()
    assert (out / "full.rc").read_text().strip() == "2"
    assert full_error.count("error:") == 1, full_error
    assert full_error.splitlines()[-1].startswith("error: images: the disk is full"), full_error
    assert (out / "full.partials").read_text() == "", "no partial files are left on the full disk"
    small_error = (out / "small.err").read_text()
    assert (out / "small.rc").read_text().strip() == "2"
    assert "render: only" in small_error and "rendering needs about" in small_error, small_error
    assert (out / "roomy.rc").read_text().strip() == "0", (out / "roomy.err").read_text()
    info = probe(out / "video.mp4")
    assert info.frames > 0 and abs(info.audio_duration - info.video_duration) < 1 / 30
    assert len(json.loads((out / "project.json").read_text())["scenes"]) == 3


def test_a_failing_progress_callback_cancels_cleanly(tmp_path: Path):
    """What a cancelled UI render does: stop, leave no partial file, and the next render finishes."""
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    pipeline.write_script(folder, 2)

    class Cancelled(Exception):
        pass

    def cancel_midway(fraction: float, message: str) -> None:
        if fraction > 0.85:  # the first scene is encoded by then, the last one is not
            raise Cancelled

    with pytest.raises(Cancelled):
        pipeline.render(folder, preview=True, reporter=pipeline.Reporter(cancel_midway))
    assert not [p for p in folder.root.rglob(".*") if p.is_file()]
    result = pipeline.render(folder, preview=True)
    assert result.reused_segments >= 1 and probe(result.video).frames == result.frames


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _visitors_round(url: str, count: int) -> dict[int, tuple[str, str]]:
    from gradio_client import Client

    results: dict[int, tuple[str, str]] = {}
    errors: list[BaseException] = []

    def visitor(n: int) -> None:
        try:
            client = Client(url, verbose=False)
            topic = f"Visitor {n} explains topic number {n}"
            client.predict(topic, 2, "all", "calm", "en", "template", api_name="/write_script")
            video, *_ = client.predict(
                "16:9", "720p", True, 6, "bottom", "#FFFFFF", "None", None, 0.1, api_name="/preview"
            )
            results[n] = (topic, video["video"] if isinstance(video, dict) else video)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    assert not errors, errors
    return results


def test_eight_visitors_at_once_round_after_round(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    """8 visitors at once, twice: all finish with their own video, one render at a time (the queue's
    limit), no one reaches another's files, and neither memory nor the temporary folders grow from one
    round to the next."""
    import httpx

    running, most = [0], [0]
    guard = threading.Lock()
    real_render = pipeline.render

    def counted_render(*args, **kwargs):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real_render(*args, **kwargs)
        finally:
            with guard:
                running[0] -= 1

    monkeypatch.setattr(pipeline, "render", counted_render)

    gradio_temp = tmp_path_factory.mktemp("gradio8")
    os.environ["GRADIO_TEMP_DIR"] = str(gradio_temp)
    from tests.conftest import free_port
    from videocreator.sessions import SessionStore
    from videocreator.settings import server as server_settings
    from videocreator.studio import wiring as studio_app

    store = SessionStore(tmp_path_factory.mktemp("sessions8"), max_age=15)
    demo = studio_app.build_app(store)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
    try:
        sizes, memory = [], []
        for _ in range(2):
            results = _visitors_round(url, 8)
            assert len({video for _, video in results.values()}) == 8, "each visitor got their own video"
            projects = [json.loads(p.read_text()) for p in store.root.glob("*/project/project.json")]
            assert sorted(p["topic"] for p in projects) == sorted(topic for topic, _ in results.values())
            someones_video = next(store.root.glob("*/project/preview.mp4"))
            for path in (someones_video, Path("/etc/passwd"), store.root / ".." / "x"):
                reply = httpx.get(f"{url}gradio_api/file={path}")
                assert reply.status_code in (403, 404), (path, reply.status_code)
            time.sleep(store.max_age + 3)  # sessions and Gradio's copies outlive their age, then go
            sizes.append(_folder_bytes(gradio_temp) + _folder_bytes(store.root))
            memory.append(_rss_mb())
    finally:
        demo.close()
    limit = server_settings().heavy_jobs
    assert 1 <= most[0] <= limit, f"{most[0]} renders ran at once; the queue allows {limit}"
    assert sizes[1] <= sizes[0] * 1.2, f"temporary folders grew from {sizes[0]} to {sizes[1]} bytes"
    assert memory[1] - memory[0] < 300, f"memory grew from {memory[0]:.0f} to {memory[1]:.0f} MB"


@pytest.fixture
def llm():
    with FakeLLM() as fake:
        yield fake


def test_public_mode_caps_uploads_scenes_and_models(tmp_path: Path, llm: FakeLLM):
    """`python app.py` as on a Space: uploads capped, fewer scenes, no visitor-chosen models, no keys kept."""
    from gradio_client import Client, handle_file

    from tests.conftest import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {
        **os.environ, "VIDEOCREATOR_PUBLIC": "1", "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port), "VIDEOCREATOR_SESSIONS": str(tmp_path / "sessions"),
        "GRADIO_TEMP_DIR": str(tmp_path / "gradio"), "OPENAI_API_KEY": "sk-never-stored-0451",
        "OPENAI_BASE_URL": llm.base_url, "VIDEOCREATOR_SCRIPT": "openai",
    }  # fmt: skip
    llm.queue(good_script())
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=Path(__file__).parent.parent, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_serving(url, server)
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match="greater than maximum value 10"):
            client.predict("Owls at night", 20, "all", "calm", "en", "openai", api_name="/write_script")
        out = client.predict("Owls at night", 3, "all", "calm", "en", "openai", api_name="/write_script")
        assert len(out[1]["data"]) == 3
        assert llm.requests[0]["_authorization"] == "Bearer sk-never-stored-0451", "the writer used the key"
        with pytest.raises(Exception, match="visitors cannot choose models"):
            client.predict("piper", 1.0, 1, "/etc/passwd", "", None, api_name="/narrate_all")
        out = client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
        assert out[6].count("✅") == 3, "the operator's (bundled) voice speaks"
        big = tmp_path / "big.zip"
        big.write_bytes(bytes(26 * 2**20))
        with pytest.raises(Exception, match=r"(?i)size"):
            client.predict(handle_file(str(big)), api_name="/open_zip")
    finally:
        server.terminate()
        server.wait(30)
    stored = [p for p in (tmp_path / "sessions").rglob("*") if p.is_file()]
    assert stored and not [p for p in stored if b"sk-never-stored-0451" in p.read_bytes()]
