"""A project carries its own files; a public server reads only what it should; caches know their code."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file

from tests.conftest import decode_audio, probe, running_studio
from videocreator import archive, files, pipeline
from videocreator.backend import Speech
from videocreator.errors import InputError
from videocreator.images.card import CardImages
from videocreator.limits import Limits
from videocreator.project import FORMAT_VERSION, ProjectFolder, Settings, StageChoice
from videocreator.render import cards
from videocreator.render.timeline import build
from videocreator.speech.wav import write_wav
from videocreator.text import check_topic

TONE_HZ = 3001.0
ROOT = Path(__file__).resolve().parent.parent


def tone(path: Path, seconds: float = 4.0, rate: int = 48000) -> Path:
    """A music file that is a pure tone, easy to find again in a rendered video's sound."""
    t = np.arange(round(seconds * rate)) / rate
    write_wav(path, Speech(samples=0.8 * np.sin(2 * np.pi * TONE_HZ * t), sample_rate=rate, sentences=[]))
    return path


def tone_level(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    """The tone's amplitude in a window (its projection on the tone's frequency)."""
    window = samples[round(start * rate) : round(end * rate)]
    n = np.arange(len(window))
    return float(2 * abs(np.sum(window * np.exp(-2j * np.pi * TONE_HZ * n / rate))) / max(1, len(window)))


def new(tmp_path: Path, name: str = "p", **settings) -> ProjectFolder:
    chosen = Settings(script=StageChoice("template"), resolution="360p", **settings)
    folder = pipeline.new_project("Owls at night", tmp_path / name, settings=chosen)
    pipeline.write_script(folder, 2)
    return folder


# ---- every file inside the folder, stored relative to it ---------------------------------------


def test_music_chosen_from_outside_is_copied_in_stored_relative_and_mixed(tmp_path: Path):
    music = tone(tmp_path / "song.wav")
    folder = new(tmp_path, music=str(music))
    stored = folder.project.settings.music
    assert stored.startswith("media/music-") and not Path(stored).is_absolute()
    music.unlink()  # the project no longer needs the original
    result = pipeline.render(folder, preview=True)
    samples, rate = decode_audio(result.video)
    assert tone_level(samples, rate, 1.0, result.duration - 2.5) > 0.01, "the copied music is in the video"


def test_music_is_ducked_under_the_narration(tmp_path: Path):
    folder = new(tmp_path, music=str(tone(tmp_path / "song.wav")), music_volume=0.2)
    result = pipeline.render(folder, preview=True)
    samples, rate = decode_audio(result.video)
    durations = [s.duration or 0 for s in folder.project.scenes]
    first, second = build(durations, 30, **cards.lengths(folder.project.settings)).slots
    voice_end = first.voice_start + first.voice_duration
    under_voice = tone_level(samples, rate, first.voice_start + 0.5, voice_end - 0.2)
    between = tone_level(samples, rate, voice_end + 0.7, second.voice_start - 0.05)
    assert between > 0.02, "the music plays between the narrations"
    assert under_voice < 0.6 * between, f"music under the voice {under_voice:.4f} vs between {between:.4f}"


def test_projects_made_with_one_settings_each_copy_its_music_and_leave_it_as_it_was(tmp_path: Path):
    song = tone(tmp_path / "song.wav")
    settings = Settings(script=StageChoice("template"), music=str(song))
    first, second = (pipeline.new_project("Owls", tmp_path / name, settings=settings) for name in "ab")
    assert settings.music == str(song), "the caller's settings are theirs"
    for folder in (first, second):
        assert folder.project.settings.music.startswith("media/music-")
        assert folder.path(folder.project.settings.music).read_bytes() == song.read_bytes()


def _rewrite(folder: ProjectFolder, change) -> None:
    data = json.loads((folder.root / "project.json").read_text())
    change(data)
    (folder.root / "project.json").write_text(json.dumps(data))


def test_an_older_project_with_absolute_paths_is_migrated_on_open(tmp_path: Path):
    folder = new(tmp_path)
    pipeline.make_images(folder)
    music = tone(tmp_path / "elsewhere" / "song.wav")
    image = folder.project.scenes[0].image

    def to_version_1(data):
        data["version"] = 1
        data["settings"]["music"] = str(music)  # an outside file: copied in
        data["scenes"][0]["image"] = str(folder.root / image)  # inside, but absolute: made relative
        data["scenes"][1]["image"] = "/gone/image.png"  # a generated picture that is gone: made again

    _rewrite(folder, to_version_1)
    opened = ProjectFolder.open(folder.root)
    assert opened.project.settings.music.startswith("media/music-")
    assert opened.project.version == FORMAT_VERSION
    assert opened.project.scenes[0].image == image and opened.project.scenes[1].image is None
    assert any("/gone/image.png" in note for note in opened.notes)
    assert json.loads((folder.root / "project.json").read_text())["settings"]["music"].startswith("media/")

    _rewrite(folder, lambda data: data["settings"].update(music="/no/such/song.mp3"))
    with pytest.raises(InputError, match=r"settings.music: the music file /no/such/song.mp3 is neither"):
        ProjectFolder.open(folder.root)


@pytest.mark.parametrize("version", [1, 2, "2"])
def test_an_older_project_finds_its_script_writer_under_the_stage_name(tmp_path: Path, version: int | str):
    folder = new(tmp_path)

    def to_older(data):
        data["version"] = version
        data["settings"]["writer"] = {"backend": "local", "options": {"temperature": 0.5}}
        del data["settings"]["script"]
        data["ran"] = {"writer": {"backend": "local", "why": "chosen in the settings"}}

    _rewrite(folder, to_older)
    opened = ProjectFolder.open(folder.root)
    assert opened.project.settings.script == StageChoice("local", {"temperature": 0.5})
    assert opened.project.ran == {"script": {"backend": "local", "why": "chosen in the settings"}}
    saved = json.loads((folder.root / "project.json").read_text())
    assert saved["version"] == FORMAT_VERSION and "writer" not in saved["settings"]


@pytest.mark.parametrize("version", [2, 3])
def test_a_project_made_before_the_cards_keeps_its_video_without_them(tmp_path: Path, version: int):
    folder = new(tmp_path)
    assert folder.project.settings.title_card and folder.project.settings.end_card, "new ones have cards"

    def to_before_the_cards(data):
        data["version"] = version
        del data["settings"]["title_card"], data["settings"]["end_card"]

    _rewrite(folder, to_before_the_cards)
    opened = ProjectFolder.open(folder.root).project
    assert (opened.settings.title_card, opened.settings.end_card) == (False, False)
    _rewrite(folder, lambda data: data.update(version=3))  # made with the cards, before version 4
    opened = ProjectFolder.open(folder.root).project
    assert (opened.settings.title_card, opened.settings.end_card) == (False, False), "as it was saved"
    _rewrite(folder, lambda data: data["settings"].update(title_card=True))
    assert ProjectFolder.open(folder.root).project.settings.title_card


def test_a_version_1_picture_history_is_read_and_undo_goes_back(tmp_path: Path):
    folder = new(tmp_path)
    pipeline.make_images(folder)
    scene = folder.project.scenes[0]
    first = scene.image
    pipeline.regenerate_image(folder, scene, seed=99)
    _rewrite(folder, lambda data: data.update(version=1) or data["scenes"][0].update(image_history=[first]))
    opened = ProjectFolder.open(folder.root)
    assert pipeline.undo_image(opened, opened.project.scenes[0])
    again = opened.project.scenes[0]
    assert again.image == first and again.image_key == Path(first).stem.split("-", 1)[1]
    assert again.image_source == "kept" and pipeline.scene_states(opened)[0].image_current


@pytest.mark.parametrize("where", ["music", "image", "history"])
def test_stored_paths_that_escape_the_folder_are_refused(tmp_path: Path, where: str):
    folder = new(tmp_path)
    (tmp_path / "secret.wav").write_bytes(b"RIFF")

    def escape(data):
        if where == "music":
            data["settings"]["music"] = "../secret.wav"
        elif where == "image":
            data["scenes"][0]["image"] = "scenes/../../secret.wav"
        else:
            data["scenes"][0]["image_history"] = [{"path": "../secret.wav"}]

    _rewrite(folder, escape)
    with pytest.raises(InputError, match="outside the project folder"):
        ProjectFolder.open(folder.root)


def test_a_zip_from_an_older_version_finds_its_music_inside(tmp_path: Path):
    folder = new(tmp_path)
    tone(folder.root / "music.wav")
    old_session = "/tmp/videocreator-sessions/gone-session/project/music.wav"
    _rewrite(folder, lambda data: data["settings"].update(music=old_session) or data.update(version=1))
    saved = shutil.make_archive(str(tmp_path / "old"), "zip", folder.root)
    opened = archive.import_zip(Path(saved), tmp_path / "again", Limits.public_server())
    assert opened.project.settings.music == "music.wav" and not opened.notes


# ---- the studio: sessions and a public server ----------------------------------------------------


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory):
    """A public studio, in this process (the limits are handed in, not read from the environment)."""
    with running_studio(tmp_path_factory.mktemp("public"), Limits.public_server()) as served:
        yield served


def _project_zip(tmp_path: Path, name: str, scenes: int = 2, **settings) -> Path:
    data = {
        "topic": "Owls", "title": "Owls", "version": 2,
        "settings": {"writer": {"backend": "template"}, "resolution": "720p", **settings},
        "scenes": [
            {"id": f"{n:02d}", "narration": f"Owls hunt at night, scene {n}.", "image_prompt": "an owl"}
            for n in range(1, scenes + 1)
        ],
    }  # fmt: skip
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("project.json", json.dumps(data))
    return path


RENDER = ("16:9", "720p", False, 6, "bottom", "#FFFFFF")


def test_a_public_server_never_reads_files_named_by_an_opened_zip(public, tmp_path: Path):
    url, store = public
    outside = tone(tmp_path / "someone-elses.wav")
    for music in (str(outside), "/etc/hostname", "/no/such/file"):
        client = Client(url, verbose=False)
        voice = {"backend": "piper", "options": {"model": "/etc/hostname"}}
        opened = client.predict(
            handle_file(str(_project_zip(tmp_path, "evil", music=music, voice=voice))), api_name="/open_zip"
        )
        assert opened[0] == "Owls"
        saved = json.loads(max(store.root.glob("*/project/project.json"), key=os.path.getmtime).read_text())
        assert saved["settings"]["music"] == "none", "the same answer whether the file exists or not"
        assert "model" not in saved["settings"]["voice"]["options"]
    with pytest.raises(Exception, match="choose a music file"):
        client.predict(*RENDER, "Upload", None, 0.2, api_name="/preview")
    out = client.predict("piper", 1.0, 1, "", "", None, api_name="/narrate_all")
    assert out[6].count("✅") == 2, "the bundled voice speaks, not a model the zip named"
    video, *_ = client.predict(*RENDER, "Bundled", None, 0.2, api_name="/preview")
    samples, rate = decode_audio(Path(video["video"] if isinstance(video, dict) else video))
    assert tone_level(samples, rate, 0.5, len(samples) / rate - 0.5) < 0.002, "the outside file was not mixed"
    with pytest.raises(Exception, match="visitors cannot choose models"):
        client.predict("piper", 1.0, 1, "/etc/hostname", "", None, api_name="/narrate_all")


def test_fifteen_scenes_are_refused_on_every_way_in_on_a_public_server(public, tmp_path: Path):
    url, _ = public
    client = Client(url, verbose=False)
    with pytest.raises(Exception, match="10"):
        client.predict("Owls", 15, "all", "calm", "en", "template", api_name="/write_script")
    client.predict("Owls", 9, "all", "calm", "en", "template", api_name="/write_script")
    rows = [[f"Owl fact number {n}.", "an owl"] for n in range(15)]
    with pytest.raises(Exception, match="at most 10 scenes on this public server"):
        client.predict(
            "Owls", {"headers": ["Narration", "Image prompt"], "data": rows}, 1, api_name="/save_script"
        )
    assert len(client.predict(api_name="/add_scene")[1]["data"]) == 10
    with pytest.raises(Exception, match="at most 10 scenes"):
        client.predict(api_name="/add_scene")
    with pytest.raises(Exception, match="at most 10 scenes"):
        client.predict(handle_file(str(_project_zip(tmp_path, "long", scenes=15))), api_name="/open_zip")


def test_a_zip_saved_in_one_session_renders_in_another_with_its_music(tmp_path: Path):
    with running_studio(tmp_path) as (url, store):
        first = Client(url, verbose=False)
        first.predict("Owls at night", 1, "all", "calm", "en", "template", api_name="/write_script")
        music = handle_file(str(tone(tmp_path / "song.wav", seconds=12)))
        _, downloads, *_ = first.predict(*RENDER, "Upload", music, 0.3, api_name="/render")
        saved = tmp_path / "saved.zip"
        shutil.copyfile(next(d for d in downloads if d.endswith("project.zip")), saved)
        for session in store.root.iterdir():
            shutil.rmtree(session)
        second = Client(url, verbose=False)
        second.predict(handle_file(str(saved)), api_name="/open_zip")
        video, *_ = second.predict(*RENDER, "Upload", None, 0.3, api_name="/render")
    samples, rate = decode_audio(Path(video["video"] if isinstance(video, dict) else video))
    assert tone_level(samples, rate, 1.0, len(samples) / rate - 2.5) > 0.01, "the zip's music plays"


# ---- the command line: pack and unpack ------------------------------------------------------------


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "videocreator", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert not check or done.returncode == 0, done.stderr
    return done


def test_an_own_zip_keeps_the_models_and_servers_its_settings_name(tmp_path: Path):
    """A batch's section sent to and back from the person's own worker keeps its model and server; a zip
    shared by someone else names none of this machine's."""
    chosen = StageChoice("openai", {"model": "llama3.2", "base_url": "http://127.0.0.1:11434/v1"})
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=chosen))
    packed = archive.export_zip(folder, tmp_path / "p.zip")
    shared = archive.import_zip(packed, tmp_path / "shared")
    own = archive.import_zip(packed, tmp_path / "own", own=True)
    assert not {"model", "base_url"} & shared.project.settings.script.options.keys()
    assert own.project.settings.script.options == chosen.options and not own.notes


def test_an_own_zip_is_not_held_to_the_upload_limit(tmp_path: Path):
    """A batch's section sent back from its worker holds a whole project (a long 1080p video and its render
    cache): it comes in whatever the upload limit is; the same zip from elsewhere is an upload."""
    folder = pipeline.new_project("Owls", tmp_path / "p")
    files.write_bytes(folder.root / "cache" / "piece.mp4", os.urandom(3 * 1024**2))  # does not compress
    packed = archive.export_zip(folder, tmp_path / "p.zip", cache=True)
    small = Limits(max_upload_bytes=1024**2)
    with pytest.raises(InputError, match="the limit here is 1 MB"):
        archive.import_zip(packed, tmp_path / "shared", small)
    own = archive.import_zip(packed, tmp_path / "own", small, own=True)
    assert (own.root / "cache" / "piece.mp4").stat().st_size == 3 * 1024**2


def test_pack_and_unpack_carry_a_project_to_another_place(tmp_path: Path):
    music = tone(tmp_path / "song.wav", seconds=12)
    cli("make", "Owls at night", "--out", str(tmp_path / "p"), "--writer", "template", "--scenes", "1",
        "--resolution", "720p", "--music", str(music))  # fmt: skip
    assert cli("pack", str(tmp_path / "p"), str(tmp_path / "owls.zip")).stdout.strip().endswith("owls.zip")
    shutil.rmtree(tmp_path / "p")
    music.unlink()
    assert "1 scenes" in cli("unpack", str(tmp_path / "owls.zip"), str(tmp_path / "q")).stdout
    cli("render", str(tmp_path / "q"))
    samples, rate = decode_audio(tmp_path / "q" / "video.mp4")
    assert probe(tmp_path / "q" / "video.mp4").frames > 0
    assert tone_level(samples, rate, 1.0, len(samples) / rate - 2.5) > 0.01
    refused = cli("unpack", str(tmp_path / "owls.zip"), str(tmp_path / "q"), check=False)
    assert refused.returncode == 2 and "is not empty" in refused.stderr


# ---- caches know the code that made them -----------------------------------------------------------


def test_a_new_version_of_a_backend_remakes_exactly_its_artifacts(tmp_path: Path, monkeypatch):
    folder = new(tmp_path)
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    pictures = [s.image for s in folder.project.scenes]
    voices = [s.audio for s in folder.project.scenes]
    monkeypatch.setattr(CardImages, "version", CardImages.version + "-next")
    states = pipeline.scene_states(folder)
    assert not any(s.image_current for s in states) and all(s.audio_current for s in states)
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    assert all(a != b for a, b in zip(pictures, [s.image for s in folder.project.scenes], strict=True))
    assert voices == [s.audio for s in folder.project.scenes]


# ---- text and files --------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ["\x07\x1b[31m", "\x1b]0;title\x07", "\x1b[1;31m\x1b[0m  \x9b2J"])
def test_a_topic_of_escape_sequences_only_is_empty(topic: str):
    with pytest.raises(InputError, match="topic is empty"):
        check_topic(topic)


def test_escape_sequences_are_removed_whole():
    assert check_topic("\x1b[1;31mVolcanoes\x1b[0m and \x1b]8;;http://x\x1b\\links\x1b]8;;\x1b\\") == (
        "Volcanoes and links"
    )


def test_characters_with_nothing_to_show_leave_typed_text_but_joiners_stay():
    """Private-use, unassigned and lone surrogate code points have no glyph and no sound; the joiners of
    emoji and Indic or Arabic words do matter."""
    assert check_topic("Bees\ue000 and\U000f0001 \ud800flowers\U0010fffd") == "Bees and flowers"
    family, persian = "👩\u200d👩\u200d👧", "می\u200cخواهم"
    assert check_topic(f"{family} {persian}") == f"{family} {persian}"


def test_a_written_file_and_its_rename_reach_the_disk(tmp_path: Path, monkeypatch):
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    def replace(src, dst) -> None:
        calls.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    files.write_json(tmp_path / "project.json", {"topic": "Owls"})
    assert calls == ["file", "rename", "folder"]


# ---- what a review of the rules found --------------------------------------------------------------


def test_the_voices_folder_is_the_operators_on_a_public_server(tmp_path: Path):
    limits = Limits.public_server(voices_folder="/srv/voices")
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    public = ProjectFolder.open(folder.root, limits)
    assert public.project.settings.voices_folder == "/srv/voices"
    with pytest.raises(InputError, match="voices folder is the operator's"):
        pipeline.change_settings(public, {"voices_folder": "/usr/share"})
    zipped = _project_zip(tmp_path, "voices", voices_folder="/usr/share")
    opened = archive.import_zip(zipped, tmp_path / "q", limits)
    assert opened.project.settings.voices_folder == "/srv/voices" and opened.notes


@pytest.mark.parametrize(
    ("change", "says"),
    [({"speed": 0}, "speed"), ({"fps": 100000}, "fps"), ({"music_volume": 5}, "music_volume"),
     ({"audience": "x" * 1000}, "audience"), ({"captions": {"color": "red; drop"}}, "captions.color")],
)  # fmt: skip
def test_settings_out_of_bounds_are_refused_naming_them(tmp_path: Path, change: dict, says: str):
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=Settings(script=StageChoice("template")))
    with pytest.raises(InputError, match=f"setting {says}"):
        pipeline.change_settings(folder, change)
    with pytest.raises(InputError, match="use_music"):
        pipeline.change_settings(folder, {"music": "/etc/passwd"})
    for stage in ("script", "writer"):  # a stage's backend, under its name or its former one
        with pytest.raises(InputError, match=f"choose {stage} with choose_backend"):
            pipeline.change_settings(folder, {stage: {"backend": "openai"}})


def test_a_zip_opened_on_ones_own_machine_never_copies_outside_files_in(tmp_path: Path):
    private = tone(tmp_path / "home" / "private.wav")
    voice = {"backend": "openai", "options": {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "HOME"}}
    zipped = _project_zip(tmp_path, "foreign", music=str(private), writer=voice)
    opened = archive.import_zip(zipped, tmp_path / "q")  # a person's own machine: no public limits
    assert opened.project.settings.music == "none" and not (opened.root / "media").exists()
    assert opened.project.settings.script.options == {}, "no servers or key variables from a zip"


def test_malformed_zips_are_refused_with_a_message_and_leave_nothing(tmp_path: Path):
    data = {"topic": "Owls", "version": 2, "scenes": []}
    data["settings"] = {"voice": {"backend": "coqui", "options": {"speaker_wav": 5}}}
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as out:
        out.writestr("project.json", json.dumps(data))
    with pytest.raises(InputError, match="must be a file name"):
        archive.import_zip(tmp_path / "bad.zip", tmp_path / "q")
    assert not (tmp_path / "q").exists()
    with zipfile.ZipFile(tmp_path / "odd.zip", "w") as out:  # a version written as text still opens
        out.writestr("project.json", json.dumps({"topic": "Owls", "version": "2"}))
    assert archive.import_zip(tmp_path / "odd.zip", tmp_path / "r").project.topic == "Owls"


def test_a_zip_whose_entries_clash_is_refused_cleanly(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "clash.zip", "w") as out:
        out.writestr("project.json", json.dumps({"topic": "Owls"}))
        out.writestr("media", b"a file")
        out.writestr("media/b.wav", b"and a folder of the same name")
    with pytest.raises(InputError, match="cannot be unpacked"):
        archive.import_zip(tmp_path / "clash.zip", tmp_path / "q")
    assert not (tmp_path / "q").exists()


def test_a_windows_path_from_an_older_project_is_found_by_its_tail(tmp_path: Path):
    folder = new(tmp_path)
    tone(folder.root / "music.wav")
    _rewrite(
        folder,
        lambda data: (
            data["settings"].update(music="C:\\Users\\me\\proj\\music.wav") or data.update(version=1)
        ),
    )
    assert ProjectFolder.open(folder.root).project.settings.music == "music.wav"


def test_a_refused_new_script_keeps_the_sessions_project(public, tmp_path: Path):
    url, _ = public
    client = Client(url, verbose=False)
    client.predict("Owls at night", 2, "all", "calm", "en", "template", api_name="/write_script")
    with pytest.raises(Exception, match="topic is empty"):
        client.predict("   ", 2, "all", "calm", "en", "template", api_name="/write_script")
    assert client.predict(api_name="/add_scene")[0] == "Owls at night", "the project is still there"
    with pytest.raises(Exception, match=r"minimum value 0\.7|speed"):  # the page's limit, then the library's
        client.predict("piper", 0, 1, "", "", None, api_name="/narrate_all")


def test_a_project_is_not_made_at_a_broken_link_or_a_file(tmp_path: Path):
    """A batch's section folder, or ``--out``, that is a link to nothing or a file is said plainly (it
    was FileExistsError from mkdir), and nothing is made there."""
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("mine")
    for out in ("gone", "gone/owls"):
        with pytest.raises(InputError, match=r"gone is a link to .*nowhere, which is not there: remove it"):
            pipeline.new_project("Owls", tmp_path / out)
    for out in ("notes.txt", "notes.txt/owls"):
        with pytest.raises(InputError, match=r"notes\.txt is a file, not a folder"):
            pipeline.new_project("Owls", tmp_path / out)
    assert not (tmp_path / "nowhere").exists() and (tmp_path / "notes.txt").read_text() == "mine"
