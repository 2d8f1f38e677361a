"""A public server tried as a hostile visitor would, through its HTTP API: uploads that fill the disk, a
full disk, an edit made while a render runs, errors that would show server paths, pictures too large."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import os
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file

from tests.conftest import (
    free_port,
    peak_memory_mb,
    reset_peak_memory,
    running_studio,
    unavailable,
    wait_until_serving,
)
from videocreator import pipeline
from videocreator.images.upload import MAX_PIXELS
from videocreator.limits import MB, Limits
from videocreator.sessions import SessionStore, visitor_of

TEMPLATE_SCRIPT = ("Owls at night", 3, "all", "calm", "en", "template")
RENDER_ARGS = ("9:16", "1080p", True, 6, "bottom", "#FFFFFF", "None", None, 0.12)


@contextlib.contextmanager
def public_studio(folder: Path) -> Iterator[tuple[str, SessionStore]]:
    with running_studio(folder, Limits.public_server()) as served:
        yield served


def upload(url: str, data: bytes, *, visitor: str = "127.0.0.1", name: str = "file.bin") -> httpx.Response:
    """A raw POST to Gradio's upload route, from the loopback address ``visitor``: no session, no page."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=visitor), timeout=120) as http:
        return http.post(f"{url}gradio_api/upload", files={"files": (name, data)})


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def png_claiming(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of this size, built here: 900 Mpx compress to about 100 KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), bytes(1 + (width + 7) // 8)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def refusal(call: Any, *args: Any, **kwargs: Any) -> str:
    """The message a client receives when the call is refused."""
    with pytest.raises(Exception) as refused:  # gradio_client's AppError
        call(*args, **kwargs)
    return str(refused.value)


# ---- uploads --------------------------------------------------------------------------------------


def test_anonymous_uploads_are_capped_per_visitor_before_they_are_stored(tmp_path: Path):
    """Issue 4: 12 x 24 MB were kept in 5 s. Now one visitor keeps at most 100 MB and 30 files an hour."""
    with public_studio(tmp_path) as (url, store):
        cache, rules = tmp_path / "gradio", store.uploads.limits
        started = time.monotonic()
        answers = [upload(url, os.urandom(24 * MB), name=f"big{n}.bin") for n in range(5)]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
        assert "at most 100 MB per 60 minutes" in answers[-1].text
        assert time.monotonic() - started < 60
        assert folder_bytes(cache) <= rules.bytes_per_visitor
        held = folder_bytes(cache)
        too_big = upload(url, bytes(26 * MB), visitor="127.0.0.2")
        assert too_big.status_code == 413 and "the limit here is 25 MB" in too_big.text
        unsized = httpx.post(
            f"{url}gradio_api/upload",
            content=iter([b"--x\r\n"] * 3),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert unsized.status_code == 411 and "Content-Length" in unsized.text
        assert folder_bytes(cache) == held, "a refused upload stores nothing"
        small = [upload(url, b"tiny %d" % n, visitor="127.0.0.3").status_code for n in range(31)]
        assert small == [200] * rules.files_per_visitor + [429]


def test_uploads_no_session_used_are_removed_within_minutes(tmp_path: Path):
    """An upload no handler took in is removed after `unclaimed_s` (15 minutes), by the server itself;
    one a session used stays as long as the session."""
    with public_studio(tmp_path) as (url, store):
        client = Client(url, verbose=False)
        client.predict(*TEMPLATE_SCRIPT, api_name="/write_script")
        picture = tmp_path / "mine.png"
        picture.write_bytes(png_claiming(64, 48))
        client.predict(1, handle_file(str(picture)), api_name="/upload_image")
        anonymous = [Path(upload(url, b"junk %d" % n).json()[0]) for n in range(3)]
        used = list((tmp_path / "gradio").rglob("mine.png"))
        assert used and all(p.is_file() for p in anonymous)
        assert store.uploads.sweep(now=time.time() + store.uploads.limits.unclaimed_s - 5) == 0
        assert set(store.uploads.unclaimed()) == set(anonymous)
        store.uploads.limits = dataclasses.replace(store.uploads.limits, unclaimed_s=1, sweep_every_s=0.5)
        deadline = time.monotonic() + 10
        while any(p.exists() for p in anonymous):  # the server's own sweep, each second when due
            assert time.monotonic() < deadline, "the server did not remove the unused uploads"
            time.sleep(0.2)
        assert all(p.is_file() for p in used), "the upload a session used is kept"
        assert store.uploads.held_bytes() == sum(p.stat().st_size for p in used)


def test_uploads_held_at_once_are_bounded_server_wide(tmp_path: Path):
    """Many visitors together keep at most 2 GB and 5,000 files (60 MB and 3 files here)."""
    with public_studio(tmp_path) as (url, store):
        store.uploads.limits = dataclasses.replace(store.uploads.limits, cache_bytes=60 * MB)
        answers = [upload(url, os.urandom(24 * MB), visitor=f"127.0.0.{n}") for n in (2, 3, 4)]
        assert [a.status_code for a in answers] == [200, 200, 503]
        assert "the server holds as many uploads as it can" in answers[-1].text
        assert folder_bytes(tmp_path / "gradio") <= 60 * MB
        store.uploads.sweep(now=time.time() + store.uploads.limits.unclaimed_s + 1)
        assert upload(url, os.urandom(24 * MB), visitor="127.0.0.5").status_code == 200
        store.uploads.limits = dataclasses.replace(store.uploads.limits, cache_files=3)
        tiny = [upload(url, b"tiny %d" % n, visitor=f"127.0.1.{n}").status_code for n in range(3)]
        assert tiny == [200, 200, 503], "and so is the number of files"


# ---- a full disk ----------------------------------------------------------------------------------

FULL_DISK_SERVER = """
mount -t tmpfs -o size=3m videocreator-test "$DISK" || exit 90
exec "$PYTHON" app.py
"""


@contextlib.contextmanager
def studio_on_a_small_disk(tmp_path: Path) -> Iterator[str]:
    """`python app.py` in public mode, with its session folders and Gradio's cache on a 3 MB tmpfs."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        unavailable("this system allows no user namespaces, so no private tmpfs can be mounted")
    disk, port = tmp_path / "disk", free_port()
    disk.mkdir()
    env = {
        **os.environ, "VIDEOCREATOR_PUBLIC": "1", "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port), "VIDEOCREATOR_SESSIONS": str(disk / "sessions"),
        "GRADIO_TEMP_DIR": str(disk / "gradio"), "DISK": str(disk), "PYTHON": sys.executable,
    }  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        ["unshare", "-rm", "bash", "-c", FULL_DISK_SERVER], cwd=Path(__file__).parent.parent, env=env,
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def test_a_full_disk_is_named_on_every_way_in(tmp_path: Path):
    """Issue 4: a full disk gave every visitor "something went wrong" (ENOSPC in project.save)."""
    with studio_on_a_small_disk(tmp_path) as url:
        client = Client(url, verbose=False)
        title, table, *_ = client.predict(*TEMPLATE_SCRIPT, api_name="/write_script")
        answers = [upload(url, os.urandom(MB), name=f"filler{n}.bin") for n in range(5)]
        assert answers[-1].status_code == 507, [a.status_code for a in answers]
        messages = [answers[-1].text]
        table["data"][0][0] = "An owl turns its head almost all the way round."
        messages.append(refusal(client.predict, title, table, 1, api_name="/save_script"))
        messages.append(refusal(client.predict, "card", 1, "", "band", None, api_name="/make_images"))
        messages.append(refusal(client.predict, api_name="/add_scene"))
    for message in messages:
        assert "the server's disk is full" in message, messages
        assert "/tmp" not in message and "went wrong" not in message, messages
    assert messages[1].startswith("script: ") and messages[2].startswith("images: "), messages


# ---- one writer of a project at a time ------------------------------------------------------------


def test_an_edit_made_while_a_render_runs_is_refused_clearly_never_lost(tmp_path: Path):
    """Issue 6: Save edits during a render was overwritten by the render's copy of the project."""
    with public_studio(tmp_path) as (url, store):
        client = Client(url, verbose=False)
        title, table, *_ = client.predict(*TEMPLATE_SCRIPT, api_name="/write_script")
        saved = next(store.root.glob("*/project/project.json"))
        job = client.submit(*RENDER_ARGS, api_name="/render")
        deadline = time.monotonic() + 300
        while not any((unit.progress or 0) > 0.2 for unit in job.status().progress_data or []):
            assert time.monotonic() < deadline and not job.done(), "the render never started"
            time.sleep(0.1)
        edit = "An owl turns its head almost all the way round."
        table["data"][0][0] = edit
        try:
            client.predict(title, table, 1, api_name="/save_script")
            refused = ""
        except Exception as exc:  # gradio_client's AppError
            refused = str(exc)
        job.result(timeout=300)
        kept = edit in saved.read_text(encoding="utf-8")
        assert refused or kept, "the edit was accepted, then lost when the render saved the project"
        assert "this project is busy: render is still running" in refused and not kept, refused
        client.predict(title, table, 1, api_name="/save_script")
        assert edit in saved.read_text(encoding="utf-8"), "once the render ended, the edit is saved"


# ---- what visitors are told ----------------------------------------------------------------------


def test_messages_name_the_stage_never_a_server_path_nor_a_tools_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """Issue 7: tracebacks behind "something went wrong", and server paths in messages."""

    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"a bug met at {tmp_path}/sessions/token/project")

    with public_studio(tmp_path) as (url, store):
        client = Client(url, verbose=False)
        client.predict(*TEMPLATE_SCRIPT, api_name="/write_script")
        client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
        session = next(store.root.iterdir())
        music = tmp_path / "music.mp3"
        music.write_bytes(os.urandom(4000))  # ffmpeg fails on it, naming its path in the project
        with_music = (*RENDER_ARGS[:6], "Upload", handle_file(str(music)), *RENDER_ARGS[8:])
        messages = {"ffmpeg": refusal(client.predict, *with_music, api_name="/preview")}
        disk = collections.namedtuple("usage", "total used free")(10**9, 10**9 - 5 * MB, 5 * MB)
        with monkeypatch.context() as patch:
            patch.setattr("shutil.disk_usage", lambda _: disk)  # "only 5 MB free in <the folder>"
            messages["no room"] = refusal(client.predict, *RENDER_ARGS, api_name="/render")
        monkeypatch.setitem(sys.modules, "TTS", None)  # Coqui chosen where it is not installed
        monkeypatch.setitem(sys.modules, "TTS.api", None)
        messages["coqui"] = refusal(client.predict, "coqui", 1.0, 1, "", "", None, api_name="/narrate_all")
        with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, "videocreator.studio"):
            patch.setattr(pipeline, "add_scene", crash)
            messages["bug"] = refusal(client.predict, api_name="/add_scene")
    for message in messages.values():
        assert "/tmp" not in message and session.name not in message, messages
        assert "Traceback" not in message and "\n" not in message.strip(), messages
    assert "voice (coqui): Coqui TTS is not installed here" in messages["coqui"], messages
    assert "pip install coqui-tts" in messages["coqui"], messages
    assert messages["bug"].startswith("script: something went wrong on the server"), messages
    assert "RuntimeError: a bug met at" in caplog.text, "the server's log has the traceback"
    assert messages["no room"].startswith("render: only 5 MB free in …/project; rendering needs"), messages
    ffmpeg = messages["ffmpeg"]
    assert ffmpeg.startswith("render (ffmpeg): ") and ffmpeg.endswith("failed"), "its output is in the log"


def test_a_picture_too_large_says_how_large_and_the_limit(tmp_path: Path):
    """A 30000 x 30000 PNG was refused as "not an image we can read"; it is never decoded."""
    picture = tmp_path / "huge.png"
    picture.write_bytes(png_claiming(30000, 30000))
    with public_studio(tmp_path) as (url, _):
        client = Client(url, verbose=False)
        client.predict(*TEMPLATE_SCRIPT, api_name="/write_script")
        reset_peak_memory()
        peak_before, started = peak_memory_mb(), time.monotonic()
        message = refusal(client.predict, 1, handle_file(str(picture)), api_name="/upload_image")
        grown_mb = peak_memory_mb() - peak_before
    limit = f"the limit is {MAX_PIXELS // 1_000_000} Mpx"
    assert f"the picture is 30000 x 30000 (900 Mpx); {limit}" in message, message
    assert time.monotonic() - started < 20 and grown_mb < 100, (time.monotonic() - started, grown_mb)


def test_a_file_named_by_url_is_refused_and_other_calls_go_on(tmp_path: Path):
    """Gradio downloads a file input given as a URL into its cache itself, past every upload limit."""
    remote = {"path": "http://127.0.0.1:9/bees.png", "meta": {"_type": "gradio.FileData"}}
    with public_studio(tmp_path) as (url, _), httpx.Client(timeout=60) as http:
        refused = http.post(f"{url}gradio_api/call/upload_image", json={"data": [None, 1, remote]})
        assert refused.status_code == 400 and "never fetched from a URL" in refused.text, refused.text
        hidden = {"data": [None, 1, {"nested": [{"url": "https://example.org/x.png"}]}]}
        assert http.post(f"{url}gradio_api/call/upload_image", json=hidden).status_code == 400
        bare = json.dumps({"data": [None, 1, remote]}).encode()  # no Content-Type: FastAPI reads JSON too
        assert http.post(f"{url}gradio_api/call/upload_image", content=bare).status_code == 400
        deep = http.post(f"{url}gradio_api/call/upload_image", content=b"[" * 100_000 + b"]" * 100_000)
        assert deep.status_code == 400 and "nested too deep" in deep.text, deep.text
        fine = http.post(f"{url}gradio_api/call/write_script", json={"data": [None, *TEMPLATE_SCRIPT]})
        assert fine.status_code == 200 and "event_id" in fine.json(), fine.text


@pytest.mark.parametrize(
    ("space", "client", "forwarded", "visitor"),
    [
        ("", "203.0.113.7", b"198.51.100.1", "203.0.113.7"),  # no proxy to trust: the connection's
        ("me/videocreator", "10.0.0.5", b"198.51.100.1, 192.0.2.44", "192.0.2.44"),  # the Space's proxy's
        ("", "::ffff:192.0.2.9", b"", "192.0.2.9"),  # an IPv4 visitor of a dual-stack server
        ("", "2001:db8:1:2:3:4:5:6", b"", "2001:db8:1:2::/64"),
    ],
)
def test_a_visitor_is_told_apart_behind_a_spaces_proxy(
    monkeypatch: pytest.MonkeyPatch, space: str, client: str, forwarded: bytes, visitor: str
):
    from videocreator.studio import server as studio_app

    monkeypatch.setenv("SPACE_ID", space)
    scope = {"client": (client, 5000), "headers": [(b"x-forwarded-for", forwarded)] if forwarded else []}
    assert visitor_of(studio_app.client_address(scope)) == visitor
