"""Hostile project zips, as a visitor to a public server would send them: what a zip says of its files is
checked against the files (narration timings against their recordings, every picture's size, voices that
are not WAVs, absurd nesting), and a video's length is capped before it is rendered."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import time
import wave
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import probe
from videocreator import archive, pipeline
from videocreator.backend import Speech
from videocreator.errors import InputError
from videocreator.limits import Limits
from videocreator.project import MAX_NESTING, ProjectFolder, Settings, StageChoice
from videocreator.render import cards
from videocreator.render.renderer import RenderResult
from videocreator.render.timeline import build
from videocreator.speech import wav as audio
from videocreator.studio.views import waveform

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = Limits.public_server()
RENDER_BOUND_S = 60.0  # a preview of the 2-scene project takes about 3 s on two cores
PREVIEW_BOUND_MB = 10.0  # ... and is about 1 MB
REFUSAL_BOUND_S = 10.0  # what refusing a zip, or a render, may take
MEMORY_BOUND_MB = 500.0  # opening, undo and a preview in a fresh process: 220 MB here; a 169 Mpx picture: 920

Change = Callable[[Path, dict[str, Any]], None]  # edits a copy of the project: its folder and project.json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real project: template script, card pictures, the bundled Piper voice, 2 scenes at 720p."""
    settings = Settings(
        script=StageChoice("template"), images=StageChoice("card"), voice=StageChoice("piper"),
        resolution="720p",
    )  # fmt: skip
    folder = pipeline.new_project(
        "Owls at night", tmp_path_factory.mktemp("genuine") / "p", settings=settings
    )
    pipeline.write_script(folder, 2)
    pipeline.make_images(folder)
    pipeline.narrate_all(folder)
    return folder.root


def unchanged(root: Path, data: dict[str, Any]) -> None:
    del root, data


def hostile(
    genuine: Path, tmp_path: Path, change: Change, written: Callable[[dict[str, Any]], str] = json.dumps
) -> Path:
    """The genuine project with ``change`` made to a copy of it (its project.json ``written``), zipped as a
    visitor would send it."""
    root = Path(shutil.copytree(genuine, tmp_path / "hostile"))
    data = json.loads((root / "project.json").read_text())
    change(root, data)
    (root / "project.json").write_text(written(data))
    return Path(shutil.make_archive(str(tmp_path / "hostile"), "zip", root))


def voice_files(root: Path, data: dict[str, Any], scene: int = 0) -> tuple[Path, Path]:
    """A scene's narration: its recording and its timings."""
    wav = root / data["scenes"][scene]["audio"]
    return wav, wav.with_suffix(".json")


def edit_timings(edit: Callable[[dict[str, Any]], None]) -> Change:
    def change(root: Path, data: dict[str, Any]) -> None:
        _, path = voice_files(root, data)
        timings = json.loads(path.read_text())
        edit(timings)
        path.write_text(json.dumps(timings))  # NaN is written as NaN, as Python's json writes it

    return change


def opened(zipped: Path, tmp_path: Path) -> ProjectFolder:
    return archive.import_zip(zipped, tmp_path / "opened", PUBLIC)


@dataclass
class Preview:
    result: RenderResult
    seconds: float  # what rendering it took
    warnings: list[str]


def preview(folder: ProjectFolder) -> Preview:
    """Render the preview; a render still going after RENDER_BOUND_S is stopped."""
    started = time.monotonic()
    reporter = pipeline.Reporter(stopping=lambda: time.monotonic() - started > RENDER_BOUND_S)
    result = pipeline.render(folder, preview=True, reporter=reporter)
    return Preview(result, time.monotonic() - started, reporter.warnings)


def assert_lasts_its_recordings(folder: ProjectFolder, made: Preview) -> None:
    """The preview is as long as its narrations' real recordings laid out, made within the time bound."""
    recorded = [audio.wav_seconds(folder.path(str(scene.audio))) for scene in folder.project.scenes]
    settings = folder.project.settings
    expected = build(recorded, settings.fps, **cards.lengths(settings)).duration
    shown = probe(made.result.video)
    assert abs(shown.video_duration - expected) < 0.1 and abs(shown.audio_duration - expected) < 0.1
    assert made.seconds < RENDER_BOUND_S and made.result.video.stat().st_size < PREVIEW_BOUND_MB * 2**20


def one_line(error: pytest.ExceptionInfo[InputError], tmp_path: Path) -> str:
    message = str(error.value)
    assert "\n" not in message and str(tmp_path) not in message and "Traceback" not in message
    return message


# ---- narration timings are checked against their recordings ------------------------------------------


def claim_twenty_thousand_seconds(root: Path, data: dict[str, Any]) -> None:
    """A WAV header claiming 20,000 s (the file holds 4), and timings that agree with the header."""
    wav, _ = voice_files(root, data)
    with wave.open(str(wav)) as recording:
        claimed = 20_000 * recording.getframerate() * recording.getsampwidth()
    raw = bytearray(wav.read_bytes())
    at = raw.index(b"data") + 4
    raw[at : at + 4] = struct.pack("<I", claimed)
    wav.write_bytes(bytes(raw))
    edit_timings(lambda t: t.update(duration=20_000.0))(root, data)


def retimed(kind: str, index: int, at: int, seconds: float) -> Change:
    """The start (``at`` 1) or end (2) of one sentence or word of scene 1's narration set to ``seconds``."""

    def edit(timings: dict[str, Any]) -> None:
        timings[kind][index][at] = seconds

    return edit_timings(edit)


@pytest.mark.parametrize(
    "change",
    [
        edit_timings(lambda t: t.update(duration=20_000.0)),
        edit_timings(lambda t: t.update(duration=float("nan"))),
        edit_timings(lambda t: t.update(duration=-3.0)),
        retimed("sentences", 0, 2, float("inf")),
        retimed("words", -1, 2, 20_000.0),
        retimed("words", 0, 1, 20_000.0),
        claim_twenty_thousand_seconds,
    ],
    ids=[
        "20000 s", "NaN", "negative", "a sentence ending at infinity", "a word ending at 20000 s",
        "a word starting at 20000 s", "a header claiming 20000 s",
    ],
)  # fmt: skip
def test_narration_timings_that_do_not_fit_the_recording_are_narrated_again(
    genuine: Path, tmp_path: Path, change: Change
):
    folder = opened(hostile(genuine, tmp_path, change), tmp_path)
    assert len(folder.notes) == 1 and folder.notes[0].startswith("scene 01: voice-")
    assert folder.notes[0].endswith("; it will be narrated again")
    assert folder.project.scenes[0].audio is None and folder.project.scenes[0].duration is None
    assert_lasts_its_recordings(folder, preview(folder))


def test_timings_edited_in_ones_own_project_are_narrated_again_when_rendering(genuine: Path, tmp_path: Path):
    root = Path(shutil.copytree(genuine, tmp_path / "own"))
    edit_timings(lambda t: t.update(duration=20_000.0))(root, json.loads((root / "project.json").read_text()))
    folder = ProjectFolder.open(root)
    made = preview(folder)
    assert len(made.warnings) == 1 and "says 20,000.00 s but" in made.warnings[0]
    assert_lasts_its_recordings(folder, made)


# ---- a video's length is capped before rendering -----------------------------------------------------


def seven_hundred_seconds_of_narration(root: Path, data: dict[str, Any]) -> None:
    """Scene 1's narration, followed by silence up to 700 s: a genuine recording, timed as it is."""
    wav, _ = voice_files(root, data)
    samples, rate = audio.read_wav(wav)
    long = np.concatenate([samples, np.zeros(700 * rate - len(samples), dtype=np.float32)])
    audio.write_wav(wav, Speech(samples=long, sample_rate=rate, sentences=[]))
    edit_timings(lambda t: t.update(duration=700.0))(root, data)


def test_a_video_longer_than_the_limit_is_refused_before_rendering(genuine: Path, tmp_path: Path):
    folder = opened(hostile(genuine, tmp_path, seven_hundred_seconds_of_narration), tmp_path)
    assert not folder.notes, "a genuine 700 s narration opens"
    started = time.monotonic()
    with pytest.raises(
        InputError, match=r"^render: the video would last 71\d s; at most 600 s on this public"
    ) as refused:
        preview(folder)
    one_line(refused, tmp_path)
    assert time.monotonic() - started < REFUSAL_BOUND_S
    assert not (folder.root / "preview.mp4").exists() and not (folder.cache / "segments").exists()


# ---- voices that are not WAVs --------------------------------------------------------------------------


def eight_bit_wav(path: Path) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(22_050)
        out.writeframes(b"\x80" * 22_050)


@pytest.mark.parametrize(
    "replace",
    [lambda p: p.write_bytes(b"ID3\x04\x00 an mp3, say"), lambda p: p.write_bytes(b""), eight_bit_wav],
    ids=["not a WAV", "empty", "8-bit WAV"],
)
def test_a_voice_file_that_is_not_a_wav_is_narrated_again(
    genuine: Path, tmp_path: Path, replace: Callable[[Path], None]
):
    folder = opened(
        hostile(genuine, tmp_path, lambda root, data: replace(voice_files(root, data)[0])), tmp_path
    )
    assert len(folder.notes) == 1 and folder.notes[0].startswith("scene 01: voice-")
    assert "WAV" in folder.notes[0] and folder.notes[0].endswith("; it will be narrated again")
    rows = [(scene.narration, scene.image_prompt) for scene in folder.project.scenes]
    pipeline.set_script(folder, folder.project.title, rows)  # Save edits
    assert [waveform(folder, scene) is None for scene in folder.project.scenes] == [True, False]
    assert_lasts_its_recordings(folder, preview(folder))


# ---- every picture a project names gets the upload's pixel check -------------------------------------


def black_png(path: Path, side: int) -> Path:
    """A black square PNG, 1 bit a pixel, written row by row: hundreds of megapixels in kilobytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row, squeeze = b"\x00" * (1 + (side + 7) // 8), zlib.compressobj(9)
    pixels = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def bombs_in_the_history(side: int) -> Change:
    """A picture of side x side pixels in scene 1's history (what Undo goes back to), and one as a step
    of scene 2's picture."""

    def change(root: Path, data: dict[str, Any]) -> None:
        first, second = data["scenes"]
        black_png(root / "scenes/01/upload-bomb.png", side)
        first["image_history"] = [{"path": "scenes/01/upload-bomb.png", "key": "bomb", "source": "upload"}]
        black_png(root / "scenes/02/step-bomb-01-of-02.png", side)
        second["image_details"]["steps"] = [
            {"step": 1, "steps": 2, "file": "scenes/02/step-bomb-01-of-02.png"}
        ]

    return change


UNDO_AND_PREVIEW = """
import json, sys
from pathlib import Path
from tests.conftest import peak_memory_mb
from videocreator import archive, pipeline
from videocreator.limits import Limits

folder = archive.import_zip(Path(sys.argv[1]), Path(sys.argv[2]), Limits.public_server())
scene = folder.project.scenes[0]
before = scene.image
undone = pipeline.undo_image(folder, scene)
result = pipeline.render(folder, preview=True)
peak_mb = peak_memory_mb()
print(json.dumps({"notes": folder.notes, "undone": undone, "same": scene.image == before, "peak_mb": peak_mb,
                  "video": str(result.video)}))
"""


@pytest.mark.parametrize("side", [13_000, 30_000], ids=["169 Mpx", "900 Mpx"])
def test_pictures_in_the_history_are_checked_like_uploads(genuine: Path, tmp_path: Path, side: int):
    zipped = hostile(genuine, tmp_path, bombs_in_the_history(side))
    assert zipped.stat().st_size < 5 * 2**20
    command = [sys.executable, "-c", UNDO_AND_PREVIEW, str(zipped), str(tmp_path / "opened")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RENDER_BOUND_S)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["peak_mb"] < MEMORY_BOUND_MB
    assert not seen["undone"] and seen["same"], "nothing to go back to: the picture stays"
    assert seen["notes"] == [
        "scene 01: scenes/01/upload-bomb.png in the picture history cannot be used; dropped",
        "scene 02: a picture of the model's steps cannot be used; dropped",
    ]
    assert probe(Path(seen["video"])).height == 640
    assert not list((tmp_path / "opened").rglob("*bomb*")), "the pictures are removed"


# ---- a project.json nested absurdly deep -------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_trace(depth: int) -> Callable[[dict[str, Any]], str]:
    """project.json written with lists ``depth`` deep in its script trace."""
    return lambda data: json.dumps({**data, "script_trace": {"answer": "NESTED"}}).replace(
        '"NESTED"', nested(depth)
    )


@pytest.mark.parametrize("depth", [100_000, 500], ids=["100k deep", "500 deep"])
def test_a_project_json_nested_absurdly_deep_is_refused_in_one_line(
    genuine: Path, tmp_path: Path, depth: int
):
    zipped = hostile(genuine, tmp_path, unchanged, nested_trace(depth))
    started = time.monotonic()
    with pytest.raises(InputError) as refused:
        opened(zipped, tmp_path)
    assert one_line(refused, tmp_path) == f"project.json nests lists or objects more than {MAX_NESTING} deep"
    assert time.monotonic() - started < REFUSAL_BOUND_S
    assert not (tmp_path / "opened").exists()


def test_timings_nested_absurdly_deep_are_narrated_again(genuine: Path, tmp_path: Path):
    def change(root: Path, data: dict[str, Any]) -> None:
        _, path = voice_files(root, data)
        timings = {**json.loads(path.read_text()), "phonemes": "NESTED"}
        path.write_text(json.dumps(timings).replace('"NESTED"', nested(100_000)))

    folder = opened(hostile(genuine, tmp_path, change), tmp_path)
    assert len(folder.notes) == 1 and folder.notes[0].startswith("scene 01: voice-")
    assert folder.notes[0].endswith(
        f".json nests lists or objects more than {MAX_NESTING} deep; it will be narrated again"
    )
