"""``auto``: the best backend present per stage, chosen quickly, said everywhere, never the wrong language."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import running_studio
from tests.fake_llm_server import FakeLLM
from tests.test_chat_writers import good_script
from videocreator import pipeline
from videocreator.errors import BackendUnavailable
from videocreator.project import Settings, StageChoice
from videocreator.stage import Stage
from videocreator.stages import auto
from videocreator.voices.piper import bundled_voice

BUDGET_S = 3.0  # offline, auto may cost at most this much over naming a backend


@pytest.fixture
def llm():
    with FakeLLM() as fake:
        yield fake


class _Server:
    """A loopback HTTP server answering every GET with one status and body."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers (a hung server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def _timed(fn):
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


# ---- script ---------------------------------------------------------------------------------------


def test_a_configured_openai_compatible_server_is_used_with_its_first_model(llm, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
    found = auto.script({})
    assert (found.backend, found.options["model"]) == ("openai", "fake-model") and "answers" in found.why
    llm.queue(good_script(2))
    folder = pipeline.new_project("How volcanoes form", tmp_path / "p")  # every stage on auto
    pipeline.write_script(folder, 2)
    assert folder.project.ran["script"]["backend"] == "openai" and len(llm.requests) == 1
    assert pipeline.what_ran(folder)[0].startswith(
        "script: openai — the configured server at http://127.0.0.1"
    )


def test_a_local_ollama_is_found_on_its_address(llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", llm.base_url.removesuffix("/v1"))
    found = auto.script({})
    assert found.backend == "openai" and found.options == {"base_url": llm.base_url, "model": "fake-model"}
    assert "no OpenAI-compatible server configured" not in found.why and "Ollama answers" in found.why


def test_g4f_is_chosen_only_when_the_internet_answers(monkeypatch):
    online = _Server(204)
    try:
        monkeypatch.setenv("VIDEOCREATOR_NETWORK_PROBE", f"{online.url}/generate_204")
        assert auto.script({}).backend == "g4f"
    finally:
        online.close()
    portal = _Server(200, b"<html>log in to the wifi</html>")  # answers, but is not the internet
    try:
        monkeypatch.setenv("VIDEOCREATOR_NETWORK_PROBE", f"{portal.url}/generate_204")
        auto.forget()
        assert auto.script({}).backend == "local"
    finally:
        portal.close()


def test_a_probe_that_outlasts_its_budget_is_left_behind_not_waited_for():
    """A probe its own timeouts do not end (a server trickling bytes) is cut at twice the probe time."""
    answer, seconds = _timed(lambda: auto._bounded(lambda: time.sleep(4 * auto.PROBE_TIMEOUT_S) or "late"))
    assert answer is None and seconds < 3 * auto.PROBE_TIMEOUT_S, f"waited {seconds:.1f} s"


@pytest.mark.parametrize("fault", ["down", "hangs", "junk"])
def test_a_faulty_server_is_skipped_within_the_probe_budget(fault, silent_port, monkeypatch):
    junk = _Server(200, b"this is not JSON")
    url = {
        "down": "http://127.0.0.1:9/v1",
        "hangs": f"http://127.0.0.1:{silent_port}/v1",
        "junk": f"{junk.url}/v1",
    }[fault]
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{silent_port}")  # an Ollama port that never replies
    try:
        found, seconds = _timed(lambda: auto.script({}))
    finally:
        junk.close()
    assert found.backend == "local" and f"the configured server at {url} does not answer" in found.why
    assert seconds < BUDGET_S, f"auto took {seconds:.1f} s"


def test_offline_auto_costs_little_over_naming_the_writer_and_is_remembered(tmp_path):
    named = pipeline.new_project("Owls", tmp_path / "a", settings=Settings(script=StageChoice("local")))
    chosen = pipeline.new_project("Owls", tmp_path / "b")
    _, direct = _timed(lambda: pipeline.writer_chain(named))
    found, first = _timed(lambda: pipeline.writer_chain(chosen))
    _, again = _timed(lambda: pipeline.writer_chain(chosen))
    assert [name for name, _ in found] == ["local", "template"]
    assert first - direct < BUDGET_S
    print(f"offline auto: {first * 1000:.0f} ms the first time, {again * 1000:.1f} ms remembered")


# ---- voice: the script's language ----------------------------------------------------------------


def _voice_speaking(folder: Path, code: str) -> Path:
    """A copy of the bundled voice whose config says it speaks ``code`` (what a downloaded voice is)."""
    source = bundled_voice()
    assert source is not None
    target = folder / f"{code}-voice.onnx"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    config = json.loads(Path(f"{source}.json").read_text())
    config["language"] = {"code": f"{code}_XX"}
    Path(f"{target}.json").write_text(json.dumps(config))
    return target


def test_the_voice_speaks_the_scripts_language_or_nothing_is_narrated(tmp_path):
    assert auto.voice("en").backend == "piper"
    with pytest.raises(BackendUnavailable, match=r"no voice here speaks Spanish \(es\).*es_ES-davefx-medium"):
        auto.voice("es")
    spanish = _voice_speaking(tmp_path / "voices", "es")
    found = auto.voice("es", str(tmp_path / "voices"))
    assert (found.backend, found.options) == ("piper", {"model": str(spanish)})
    assert auto.voice("en-GB").backend == "piper", "a regional code matches its language"


def test_a_spanish_script_is_never_read_by_the_english_voice(tmp_path):
    settings = Settings(script=StageChoice("local"))
    folder = pipeline.new_project(
        "Cómo se forman los volcanes", tmp_path / "p", language="es", settings=settings
    )
    pipeline.add_scene(folder, "El magma sube por la corteza.", "un volcán")
    with pytest.raises(BackendUnavailable, match="Spanish"):
        pipeline.narrate_all(folder)
    assert not list((folder.root / "scenes").rglob("*.wav")), "stopped before narrating anything"
    pipeline.choose_backend(folder, Stage.VOICE, "piper", {})  # the person's own choice is respected
    pipeline.narrate_all(folder)
    assert folder.project.ran["voice"] == {"backend": "piper", "why": "chosen in the settings"}


# ---- the studio says what ran --------------------------------------------------------------------


def test_the_studio_shows_what_auto_chose_and_labels_drafts(tmp_path):
    with running_studio(tmp_path) as (url, _):
        client = Client(url, verbose=False)
        out = client.predict("How tides work", 1, "all", "calm", "en", "auto", api_name="/write_script")
        status = out[6]
        assert "script: local — no OpenAI-compatible server configured" in status
        assert "The bundled 270M model writes drafts" in status
        out = client.predict("auto", 1.0, 1, "", "", None, api_name="/narrate_all")
        assert "voice: piper — the bundled Piper voice speaks English" in out[6]
