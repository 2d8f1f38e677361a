"""The studio through its API (gradio_client against the launched app), sessions, and project zips."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.conftest import probe, running_studio
from videocreator import archive, pipeline
from videocreator.errors import InputError
from videocreator.project import Settings, StageChoice
from videocreator.sessions import SessionStore

RENDER_ARGS = ("9:16", "720p", True, 6, "bottom", "#FFFFFF", "None", None, 0.12)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    with running_studio(tmp_path_factory.mktemp("studio")) as (url, store):
        yield url, store


def test_full_flow_through_the_api(served, tmp_path: Path):
    url, store = served
    client = Client(url, verbose=False)
    out = client.predict("How bees make honey", 3, "kids", "fun", "en", "template", api_name="/write_script")
    title, table = out[0], out[1]
    assert title == "How bees make honey" and len(table["data"]) == 3
    rows = [[f"Bees visit flower {n} and collect nectar.", "a bee on a flower"] for n in range(1, 3)]
    out = client.predict(
        title, {"headers": ["Narration", "Image prompt"], "data": rows}, 1, api_name="/save_script"
    )
    assert [r[0] for r in out[1]["data"]] == [r[0] for r in rows]
    with pytest.raises(Exception, match=r"images \(card\): invalid options: style"):
        client.predict("card", 1, "", "watercolor", None, api_name="/make_images")
    with pytest.raises(Exception, match=r"model folder /no/such/model not found\. The offline 'card'"):
        client.predict("diffusers", 1, "/no/such/model", "none", None, api_name="/make_images")
    out = client.predict("card", 1, "", "band", None, api_name="/make_images")
    assert len(out[2]) == 2
    out = client.predict(1, "a honeycomb, close up", "card", "", "band", None, api_name="/regenerate_image")
    assert out[4] == "a honeycomb, close up"
    out = client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
    assert out[6].count("✅") == 4
    saved = next(p for p in store.root.glob("*/project/project.json") if "How bees" in p.read_text())
    settings = json.loads(saved.read_text())["settings"]
    assert settings["images"] == {"backend": "card", "options": {"style": "band"}}

    def voices() -> list[str]:
        return [scene["audio"] for scene in json.loads(saved.read_text())["scenes"]]

    before = voices()
    client.predict("piper", 1.1, 2, "", "", None, api_name="/narrate_scene")
    after = voices()
    assert after[0] == before[0] and after[1] != before[1], "only the selected scene, at the new speed"
    video, downloads, *_ = client.predict(*RENDER_ARGS, api_name="/preview")
    assert probe(Path(video["video"] if isinstance(video, dict) else video)).height == 640
    assert [Path(d).name for d in downloads] == ["preview.mp4"]
    assert not (saved.parent / "video.mp4").exists(), "a preview is not the video"
    video, downloads, note, *_ = client.predict(*RENDER_ARGS, api_name="/render")
    info = probe(Path(video["video"] if isinstance(video, dict) else video))
    assert (info.width, info.height) == (720, 1280) and info.frames > 0
    names = sorted(Path(d).name for d in downloads)
    assert names == ["captions.srt", "captions.vtt", "project.zip", "video.mp4"]
    assert "pieces encoded" in note


def test_every_endpoint_says_what_it_does_and_names_its_parameters(served):
    url, _ = served
    endpoints = Client(url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name, endpoint in endpoints.items():
        description = endpoint.get("description", "")
        assert description and "partial(" not in description, f"{name}: {description!r}"
        for parameter in endpoint["parameters"]:
            assert parameter["parameter_name"] not in ("b", "sp", "n", "m", "k", "r") and not parameter[
                "parameter_name"
            ].startswith("param_"), f"{name}: {parameter['parameter_name']}"
    assert [p["parameter_name"] for p in endpoints["/preview"]["parameters"]] == [
        p["parameter_name"] for p in endpoints["/render"]["parameters"]
    ]


def test_stop_ends_a_running_render_and_the_next_one_reuses_its_pieces(served):
    url, _ = served
    client = Client(url, verbose=False)
    client.predict("Stopping half way", 3, "all", "calm", "en", "template", api_name="/write_script")
    full_hd = ("9:16", "1080p", *RENDER_ARGS[2:])
    job = client.submit(*full_hd, api_name="/render")
    deadline = time.monotonic() + 300
    while not any((unit.progress or 0) > 0.6 for unit in job.status().progress_data or []):
        assert time.monotonic() < deadline and not job.done(), "the render never got half way"
        time.sleep(0.2)
    client.predict(api_name="/stop")
    with pytest.raises(Exception, match="stopped"):
        job.result(timeout=120)
    video, _, note, *_ = client.predict(*full_hd, api_name="/render")
    assert probe(Path(video["video"] if isinstance(video, dict) else video)).frames > 0
    assert " 0 reused" not in note, note


def test_sessions_are_isolated(served):
    url, store = served
    alice, bob = Client(url, verbose=False), Client(url, verbose=False)
    alice.predict("Owls at night", 2, "all", "calm", "en", "template", api_name="/write_script")
    bob.predict("Tides and the moon", 3, "all", "calm", "en", "template", api_name="/write_script")
    alice_view, bob_view = alice.predict(api_name="/add_scene"), bob.predict(api_name="/add_scene")
    assert alice_view[0] == "Owls at night" and len(alice_view[1]["data"]) == 3
    assert bob_view[0] == "Tides and the moon" and len(bob_view[1]["data"]) == 4
    projects = [f / "project" / "project.json" for f in store.root.iterdir() if (f / "project").is_dir()]
    texts = [p.read_text(encoding="utf-8") for p in projects]
    assert (
        sum("Owls at night" in t for t in texts) == 1 and sum("Tides and the moon" in t for t in texts) == 1
    )
    assert not any("Owls at night" in t and "Tides" in t for t in texts)


def test_errors_are_messages_not_tracebacks(served):
    url, _ = served
    client = Client(url, verbose=False)
    with pytest.raises(Exception, match="write a script"):
        client.predict("card", 1, "", "auto", None, api_name="/make_images")
    with pytest.raises(Exception, match="topic is empty"):
        client.predict("   ", 3, "all", "calm", "en", "template", api_name="/write_script")


def test_project_zip_round_trip_and_open(served, tmp_path: Path):
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    pipeline.write_script(folder, 2)
    pipeline.make_images(folder)
    saved = archive.export_zip(folder, tmp_path / "owls.zip")
    opened = archive.import_zip(saved, tmp_path / "again")
    assert [s.narration for s in opened.project.scenes] == [s.narration for s in folder.project.scenes]
    assert opened.has(opened.project.scenes[0].image)
    url, _ = served
    out = Client(url, verbose=False).predict(handle_file(str(saved)), api_name="/open_zip")
    assert out[0] == "Owls"


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive_file:
        for name, data in entries.items():
            archive_file.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"../evil.txt": b"x", "project.json": b"{}"}, "outside the project"),
        ({"/etc/passwd": b"x", "project.json": b"{}"}, "outside the project"),
        ({"notes.txt": b"x"}, "not a VideoCreator project"),
        ({"project.json": b"{ broken"}, "not valid JSON"),
    ],
)
def test_malicious_or_wrong_zips_are_refused(tmp_path: Path, entries: dict[str, bytes], message: str):
    with pytest.raises(InputError, match=message):
        archive.import_zip(_zip(tmp_path / "x.zip", entries), tmp_path / "dest")
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_and_not_a_zip_are_refused(tmp_path: Path):
    link = zipfile.ZipInfo("project.json")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive_file:
        archive_file.writestr(link, "/etc/passwd")
    with pytest.raises(InputError, match="link"):
        archive.import_zip(tmp_path / "link.zip", tmp_path / "d1")
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="not a zip"):
        archive.import_zip(tmp_path / "fake.zip", tmp_path / "d2")


def test_old_session_folders_are_swept(tmp_path: Path):
    import os
    import time

    store = SessionStore(tmp_path, max_age=60)
    old = store.new()
    (old / "file").write_text("x")
    past = time.time() - 3600
    for path in (old / "file", old):
        os.utime(path, (past, past))
    fresh = store.new()
    assert not old.exists() and fresh.exists()
    assert store.owns(fresh) and not store.owns(tmp_path / ".." / "elsewhere")
