"""A Piper voice added in one step: fetched from a repository of Piper voices (here a loopback server that
serves a ``voices.json`` and the files, answering Range requests) into the voices folder, where ``auto``
finds it; checked against its digest, continued after a cut, refused with one line when it cannot be had."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.conftest import decode_audio, rms
from videocreator.errors import BackendUnavailable, InputError, ProviderFailed
from videocreator.stages import auto
from videocreator.voices import catalog, download
from videocreator.voices.folder import default_folder
from videocreator.voices.piper import bundled_voice

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SPANISH = "Las abejas recogen el néctar de las flores. En la colmena lo convierten en miel."


@dataclass
class Served:
    path: str
    range: str | None
    bytes_sent: int = 0


@dataclass
class VoiceRepository:
    """A stand-in for rhasspy/piper-voices on loopback: ``voices.json`` built from the voices added, each
    file by its path; ``cut`` drops the connection after so many bytes of a file (once), ``stall`` waits
    that long before a file's first byte (once), ``corrupt`` serves other bytes than the digest's."""

    files: dict[str, bytes] = field(default_factory=dict)
    catalog: dict[str, object] = field(default_factory=dict)
    listing: bytes | None = None  # served as voices.json instead of the catalog
    cut: dict[str, int] = field(default_factory=dict)
    stall: dict[str, float] = field(default_factory=dict)
    endless: set[str] = field(default_factory=set)  # sends 128 MB of zeros, whatever the file
    served: list[Served] = field(default_factory=list)

    def add(self, name: str, model: bytes, config: bytes, *, listed_size: int | None = None) -> list[str]:
        language = name.split("-")[0]
        folder = f"{language.split('_')[0]}/{language}/{name.split('-')[1]}/{name.split('-')[2]}"
        paths = [f"{folder}/{name}.onnx", f"{folder}/{name}.onnx.json"]
        self.files.update(zip(paths, (model, config), strict=True))
        self.catalog[name] = {
            "key": name,
            "name": name.split("-")[1],
            "language": {"code": language, "family": language.split("_")[0], "name_english": "Spanish"},
            "quality": name.split("-")[2],
            "num_speakers": 1,
            "speaker_id_map": {},
            "files": {
                path: {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
                for path, data in zip(paths, (model, config), strict=True)
            }
            | {f"{folder}/MODEL_CARD": {"size_bytes": 4, "md5_digest": "0" * 32}},
            "aliases": [],
        }
        if listed_size is not None:
            self.catalog[name]["files"][paths[0]]["size_bytes"] = listed_size  # type: ignore[index]
        return paths

    def file_requests(self) -> list[Served]:
        return [s for s in self.served if s.path != "voices.json"]


@pytest.fixture
def repository() -> Iterator[tuple[VoiceRepository, str]]:
    repo = VoiceRepository()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path = unquote(self.path.lstrip("/"))
            served = Served(path, self.headers.get("Range"))
            repo.served.append(served)
            if path == "voices.json":
                body = repo.listing if repo.listing is not None else json.dumps(repo.catalog).encode()
            elif path in repo.endless:
                self._send_endless(served)
                return
            elif path in repo.files:
                body = repo.files[path]
            else:
                self.send_error(404)
                return
            start = int(served.range.removeprefix("bytes=").rstrip("-")) if served.range else 0
            if start >= len(body) > 0:
                self.send_error(416)
                return
            self.send_response(206 if served.range else 200)
            if served.range:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if path in repo.stall:
                time.sleep(repo.stall.pop(path))
            end = start + repo.cut.pop(path) if path in repo.cut else len(body)
            with contextlib.suppress(ConnectionError):  # a client that stopped reading
                self.wfile.write(body[start:end])
                served.bytes_sent = end - start
            if end < len(body):
                self.wfile.flush()
                self.close_connection = True  # the connection drops mid-file

        def _send_endless(self, served: Served) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(128 * MB))
            self.end_headers()
            with contextlib.suppress(ConnectionError):
                for _ in range(128):
                    self.wfile.write(bytes(MB))
                    served.bytes_sent += MB
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield repo, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def spanish_voice() -> tuple[bytes, bytes]:
    """A Piper voice that says it speaks Spanish: the bundled voice's model with a Spanish config (what a
    downloaded Spanish voice is, to ``auto`` and to Piper, which reads it with Spanish phonemes)."""
    model = bundled_voice()
    assert model is not None, "the bundled Piper voice is part of the install"
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    config["language"] = {"code": "es_ES", "family": "es", "region": "ES", "name_english": "Spanish"}
    config["espeak"] = {"voice": "es"}
    config["dataset"] = "test"
    return model.read_bytes(), json.dumps(config).encode()


def some_voice(size: int = 3 * MB) -> tuple[bytes, bytes]:
    """Bytes standing in for a voice where only the download is under test."""
    return os.urandom(size), b'{"language": {"code": "es_ES"}}'


def cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "videocreator", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **env}, input=stdin, timeout=900,
    )  # fmt: skip


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.slow
def test_a_voice_added_with_one_command_narrates_a_spanish_video(repository, tmp_path: Path):
    repo, url = repository
    model, config = spanish_voice()
    repo.add("es_ES-test-medium", model, config)
    env = {"VIDEOCREATOR_VOICES_URL": url}
    refused = cli("make", "--text", "-", "--out", str(tmp_path / "before"), env=env, stdin=SPANISH)
    assert "videocreator voices add es" in refused.stderr and refused.returncode == 2

    offered = cli("voices", "list", "--remote", "--language", "es", env=env).stdout
    assert re.search(r"\n  es_ES-test-medium +Spanish, 60 MB\n", offered), offered
    added = cli("voices", "add", "es_ES-test-medium", env=env)
    assert added.returncode == 0, added.stderr
    folder = default_folder()
    assert f"added es_ES-test-medium (Spanish): {folder / 'es_ES-test-medium.onnx'}" in added.stdout
    assert names_in(folder) == ["es_ES-test-medium.onnx", "es_ES-test-medium.onnx.json"], "no part left"
    assert (folder / "es_ES-test-medium.onnx").read_bytes() == model
    listed = cli("voices", "list", "--remote", env=env).stdout
    assert f"voices folder: {folder}\n" in listed and re.search(r"\n  es_ES-test-medium +Spanish\n", listed)
    assert "Spanish, 60 MB" not in listed, "an added voice is no longer offered"

    made = cli("make", "--text", "-", "--out", str(tmp_path / "p"), "--resolution", "720p", "--aspect", "1:1",
               "--music", "none", env=env, stdin=SPANISH)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "voice: piper — Piper voice es_ES-test-medium.onnx" in made.stderr
    samples, rate = decode_audio(tmp_path / "p" / "video.mp4")
    assert len(samples) / rate > 2 and rms(samples) > 0.02, "the Spanish narration is heard"


def test_a_file_that_fails_its_checksum_is_an_error_naming_it_and_leaves_nothing(repository, tmp_path):
    repo, url = repository
    model, config = some_voice()
    path = repo.add("es_ES-test-medium", model, config)[0]
    repo.files[path] = model[:-1] + bytes([model[-1] ^ 1])  # one bit off, same size
    with pytest.raises(ProviderFailed) as failed:
        catalog.add_voice("es_ES-test-medium", tmp_path, source=url)
    assert str(failed.value).startswith("voice (piper): es_ES-test-medium.onnx failed its checksum (md5 ")
    assert "the download was removed" in str(failed.value)
    assert names_in(tmp_path) == [], "neither the file, nor its part, nor its config"


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("missing", "answered HTTP 404 Not Found"),
        ("endless", "es_ES-test-medium.onnx is larger than the 3145728 bytes the catalogue gives"),
        ("too big", "es_ES-test-medium is 500 MB, over the 400 MB a voice may be"),
    ],
)
def test_a_file_the_server_cannot_give_as_listed_is_an_error_and_leaves_nothing(
    repository, tmp_path, fault, says
):
    repo, url = repository
    model, config = some_voice()
    path = repo.add("es_ES-test-medium", model, config, listed_size=500 * MB if fault == "too big" else None)[
        0
    ]
    if fault == "missing":
        del repo.files[path]
    if fault == "endless":
        repo.endless.add(path)
    with pytest.raises(ProviderFailed, match=f"^voice \\(piper\\): .*{says}"):
        catalog.add_voice("es_ES-test-medium", tmp_path, source=url)
    assert names_in(tmp_path) == []
    if fault == "endless":
        time.sleep(0.5)  # the server notices the closed connection
        assert repo.file_requests()[0].bytes_sent < 48 * MB, "cut off soon after the size listed"


def test_a_dropped_connection_is_continued_with_a_range_request(repository, tmp_path):
    repo, url = repository
    model, config = some_voice()
    path = repo.add("es_ES-test-medium", model, config)[0]
    repo.cut[path] = MB + 17
    told: list[float] = []
    added = catalog.add_voice("es_ES-test-medium", tmp_path, source=url, progress=lambda f, _: told.append(f))
    assert added.fetched and (tmp_path / "es_ES-test-medium.onnx").read_bytes() == model
    first, rest = repo.file_requests()[:2]
    assert (first.range, first.bytes_sent) == (None, MB + 17)
    assert (rest.path, rest.range, rest.bytes_sent) == (path, f"bytes={MB + 17}-", len(model) - MB - 17)
    assert told == sorted(set(told)) and told[-1] == 1.0, "each percent, once, in order"


def test_a_stopped_download_keeps_its_part_and_the_next_call_continues_it(repository, tmp_path):
    repo, url = repository
    model, config = some_voice()
    path = repo.add("es_ES-test-medium", model, config)[0]

    class Stop(Exception):
        pass

    def stop_half_way(fraction: float, message: str) -> None:
        if fraction >= 0.5:
            raise Stop  # as the studio's Stop does

    with pytest.raises(Stop):
        catalog.add_voice("es", tmp_path, source=url, progress=stop_half_way)
    part = tmp_path / ".es_ES-test-medium.onnx.part"
    kept = part.stat().st_size
    assert names_in(tmp_path) == [part.name] and kept >= len(model) // 2, "what came is kept, hidden"
    added = catalog.add_voice("es", tmp_path, source=url)
    resumed = repo.file_requests()[1]
    assert (resumed.path, resumed.range, resumed.bytes_sent) == (path, f"bytes={kept}-", len(model) - kept)
    assert added.name == "es_ES-test-medium" and (tmp_path / "es_ES-test-medium.onnx").read_bytes() == model
    assert names_in(tmp_path) == ["es_ES-test-medium.onnx", "es_ES-test-medium.onnx.json"]
    again = catalog.add_voice("es", tmp_path, source=url)
    assert not again.fetched and "is already in" in again.line and len(repo.served) == 5, "nothing asked"


def test_a_stalled_server_stops_the_download_keeping_what_came(repository, tmp_path, monkeypatch):
    repo, url = repository
    monkeypatch.setattr(download, "TIMEOUT", httpx.Timeout(5.0, read=0.5))
    model, config = some_voice()
    path = repo.add("es_ES-test-medium", model, config)[0]
    repo.stall[path] = 2.0
    with pytest.raises(ProviderFailed, match=r"stopped at 0\.0 of 3\.0 MB \(.*\): run the same again"):
        catalog.add_voice("es_ES-test-medium", tmp_path, source=url)
    assert catalog.add_voice("es_ES-test-medium", tmp_path, source=url).fetched


def test_an_unknown_name_is_refused_naming_close_ones(repository, tmp_path):
    repo, url = repository
    repo.add("es_ES-davefx-medium", *some_voice(1000))
    with pytest.raises(
        InputError, match=r"no Piper voice is named 'es_ES-davefx-meduim': did you mean es_ES-davefx-medium\?"
    ):
        catalog.add_voice("es_ES-davefx-meduim", tmp_path, source=url)
    with pytest.raises(InputError, match=r"'xx': `videocreator voices list --remote` lists them"):
        catalog.add_voice("xx", tmp_path, source=url)
    with pytest.raises(InputError, match="is no voice name"):
        catalog.add_voice("../../etc/passwd", tmp_path, source=url)
    with pytest.raises(InputError, match="must be an http\\(s\\) URL, not 'ftp://mirror'"):
        catalog.add_voice("es", tmp_path, source="ftp://mirror")
    assert [s.path for s in repo.served] == ["voices.json", "voices.json"] and names_in(tmp_path) == []


@pytest.mark.parametrize(
    ("listing", "says"),
    [
        (b"<html>Bad gateway</html>", "it is not JSON"),
        (b"[" * 100_000, "it is not JSON"),
        (b'["es_ES-davefx-medium"]', "it is not an object of voices"),
        (b'{"es_ES-davefx-medium": {"files": {"../../x.onnx": {"size_bytes": 1}}}}', "it names no voice"),
        (
            json.dumps(
                {
                    "es_ES-evil-medium": {  # whole but for its paths, which leave the repository
                        "key": "es_ES-evil-medium",
                        "language": {"code": "es_ES", "family": "es"},
                        "quality": "medium",
                        "files": {
                            f"../../es_ES-evil-medium.onnx{end}": {"size_bytes": 4, "md5_digest": "0" * 32}
                            for end in ("", ".json")
                        },
                    }
                }
            ).encode(),
            "it names no voice",
        ),
    ],
)
def test_a_voice_list_that_is_not_one_is_an_error(repository, tmp_path, listing, says):
    repo, url = repository
    repo.listing = listing
    with pytest.raises(
        ProviderFailed,
        match=f"^voice \\(piper\\): the voice list at {url}/voices.json is not a Piper voices.json: {says}",
    ):
        catalog.add_voice("es", tmp_path, source=url)


def test_no_network_is_one_line_naming_the_voices_that_work_offline(tmp_path):
    done = cli("voices", "add", "es", env={"VIDEOCREATOR_VOICES_URL": "http://127.0.0.1:9"})
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("error: voice (piper): could not reach http://127.0.0.1:9/voices.json (")
    assert done.stderr.rstrip().endswith("; offline voices: en_US-joe-medium (English)")
    with pytest.raises(BackendUnavailable, match="could not reach"):
        catalog.add_voice("es", tmp_path, source="http://127.0.0.1:9")


def test_auto_finds_a_voice_added_to_the_default_voices_folder(repository):
    repo, url = repository
    repo.add("es_ES-test-medium", *some_voice(1000))
    added = catalog.add_voice("es", source=url)
    assert added.path == default_folder() / "es_ES-test-medium.onnx"
    found = auto.voice("es")
    assert (found.backend, found.options) == ("piper", {"model": str(added.path)})


def test_a_language_chooses_its_usual_voice_medium_where_it_has_one():
    repo = VoiceRepository()
    for name in ("es_ES-carlfm-x_low", "es_ES-sharvard-medium", "es_MX-ald-medium", "fr_FR-gilles-low",
                 "fr_FR-mls-medium", "fr_FR-tom-medium", "fr_FR-siwis-medium"):  # fmt: skip
        repo.add(name, b"m", b"c")
    voices = catalog.parse_catalog(json.dumps(repo.catalog).encode(), "test")
    assert catalog.choose("es", voices).name == "es_ES-sharvard-medium", "medium before x_low"
    assert catalog.choose("es-MX", voices).name == "es_MX-ald-medium"
    assert catalog.choose("fr", voices).name == "fr_FR-siwis-medium", "the usual French voice"
    assert catalog.choose("FR_fr-TOM-medium", voices).name == "fr_FR-tom-medium"


def test_the_studio_adds_a_voice_where_the_server_is_ones_own_and_refuses_it_on_a_public_one(
    repository, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from gradio_client import Client

    from tests.conftest import running_studio
    from videocreator.limits import Limits

    repo, url = repository
    repo.add("es_ES-test-medium", *some_voice())
    monkeypatch.setenv("VIDEOCREATOR_VOICES_URL", url)
    with running_studio(tmp_path / "local") as (address, _):
        said = Client(address, verbose=False).predict("es", api_name="/add_voice")
    assert "added es_ES-test-medium (Spanish)" in said, said
    assert names_in(default_folder()) == ["es_ES-test-medium.onnx", "es_ES-test-medium.onnx.json"]
    refused = pytest.raises(Exception, match="the voices are the operator's on this public server")
    with running_studio(tmp_path / "public", Limits.public_server()) as (address, _), refused:
        Client(address, verbose=False).predict("de", api_name="/add_voice")
    assert [s.path for s in repo.file_requests()].count("es/es_ES/test/medium/es_ES-test-medium.onnx") == 1
