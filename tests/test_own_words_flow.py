"""Your own words as the source of a video, through every way in: the CLI, the studio's API, Python."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import probe, running_studio
from videocreator import archive, pipeline
from videocreator.errors import InputError
from videocreator.limits import Limits
from videocreator.project import OwnText, ProjectFolder, Settings, StageChoice
from videocreator.render.cards import END_S, TITLE_S
from videocreator.render.timeline import build
from videocreator.source import split_sentences

ROOT = Path(__file__).resolve().parent.parent

BEES = """# How bees make honey

Honey starts as nectar, a sugary liquid that flowers make to attract pollinators. A forager bee visits
hundreds of flowers on a single trip and sucks up nectar with her long tongue. She stores it in a special
honey stomach, separate from the stomach she uses for her own food.

While she flies, enzymes in her honey stomach begin to break the sugars down. Back at the hive, she passes
the nectar mouth to mouth to a house bee. The house bees keep passing it along, and each time more enzymes
are added.

## Drying the nectar

Fresh nectar is mostly water, often about seventy percent. Honey must be much drier, or yeasts would make it
ferment. So the house bees spread the nectar in thin layers inside the wax cells of the comb. Thousands of
bees fan their wings at the same time, and the warm air of the hive carries the water away.

After a few days the water content falls to about eighteen percent. At that point the honey is thick, sweet
and slightly acidic, which keeps bacteria from growing in it.

## Sealing and storing

When a cell is full of ripe honey, the bees cap it with a thin lid of fresh wax. Under that lid honey keeps
for a very long time. Archaeologists have found pots of honey in Egyptian tombs that were still edible.
"""

COURSE = """# Owls

Owls hunt at night. Their soft feathers make their flight almost silent.

# Tides

The moon pulls on the oceans. Twice a day the sea rises and falls on the shore.

# Waves

Wind makes waves. The longer it blows, the higher they grow.
"""


def cli(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "videocreator", *args], cwd=ROOT, capture_output=True, text=True,
        input=stdin, timeout=900,
    )  # fmt: skip
    assert not check or done.returncode == 0, done.stderr
    return done


def sentences_of(text: str) -> str:
    return " ".join(text.split())


def test_a_text_condensed_to_30_seconds_makes_a_video_of_about_30_seconds(tmp_path: Path):
    notes = tmp_path / "bees.md"
    notes.write_text(BEES)
    cli("make", "--text", str(notes), "--mode", "condense", "--length", "30", "--out", str(tmp_path / "p"),
        "--resolution", "720p", "--music", "none")  # fmt: skip
    project = json.loads((tmp_path / "p" / "project.json").read_text())
    assert project["topic"] == "How bees make honey", "the first heading names the video"
    for scene in project["scenes"]:  # whole sentences of the text, never a heading read out
        for sentence in split_sentences(scene["narration"], "en"):
            assert sentence in sentences_of(BEES) and "Drying the nectar" not in sentence
    video = probe(tmp_path / "p" / "video.mp4")
    assert abs(video.video_duration - 30) <= 0.15 * 30, video.video_duration
    speech = sum(s["duration"] for s in project["scenes"])
    target = 30 - build([0.0] * len(project["scenes"]), 30, title_s=TITLE_S, end_s=END_S).duration
    assert abs(speech - target) <= 0.15 * target, (speech, target)


def test_standard_input_as_written_keeps_every_word_in_order(tmp_path: Path):
    words = "The moon pulls on the oceans, e.g. the Atlantic. The sea rises 3.5 m at Dr. Ray's pier."
    text = f"# Tides\n\n{words}"
    cli("make", "--text", "-", "--out", str(tmp_path / "p"), "--resolution", "720p", "--music", "none",
        stdin=text)  # fmt: skip
    project = json.loads((tmp_path / "p" / "project.json").read_text())
    spoken = " ".join(s["narration"] for s in project["scenes"])
    assert spoken == words
    assert project["topic"] == "Tides" and project["own_text"]["mode"] == "as-written"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.bin", b"\x00\x01\x02" * 100, "notes.bin"),
        ("notes.md", b"# Only a heading\n", "only headings"),
        ("notes.txt", b"", "empty"),
        ("notes.md", ("A long sentence about bees and honey. " * 60_000).encode(), "words"),
    ],
)
def test_bad_text_files_are_one_line_errors(tmp_path: Path, name: str, content: bytes, says: str):
    (tmp_path / name).write_bytes(content)
    done = cli("make", "--text", str(tmp_path / name), "--out", str(tmp_path / "p"), check=False)
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "p").exists()


def test_a_long_text_as_written_says_to_condense(tmp_path: Path):
    long_text = "\n\n".join(f"Bees visit flower number {n} and carry its pollen home." for n in range(400))
    with pytest.raises(InputError, match="condense"):
        folder = pipeline.new_project("", tmp_path / "p", own_text=OwnText(long_text))
        pipeline.write_script(folder)


def test_a_course_becomes_one_video_per_section_and_a_rerun_continues(tmp_path: Path):
    course = tmp_path / "course.md"
    course.write_text(COURSE)
    out = tmp_path / "out"
    pipeline.new_project("Something else", out / "waves")  # this section's folder is taken: it fails
    args = ("batch", str(course), "--out", str(out), "--jobs", "2", "--resolution", "720p", "--music", "none")
    first = cli(*args, check=False)
    assert first.returncode == 1, "one section failed, so the exit status says so"
    table = first.stdout.splitlines()
    assert table[0].split() == ["section", "scenes", "length", "status"]
    assert [line.split()[0] for line in table[1:]] == ["Owls", "Tides", "Waves"]
    assert "failed:" in table[3] and "video.mp4" in table[1] and "video.mp4" in table[2]
    videos = {name: out / name / "video.mp4" for name in ("owls", "tides")}
    assert all(probe(v).frames > 0 for v in videos.values())
    made = {name: v.stat().st_mtime_ns for name, v in videos.items()}
    cli(*args, check=False)
    assert {name: v.stat().st_mtime_ns for name, v in videos.items()} == made, "finished videos are kept"


def test_a_public_server_caps_the_scenes_of_a_text_too(tmp_path: Path):
    sentence = "Bees visit flower number {n}, carry its pollen home and dance to show the others the way."
    text = "\n\n".join(f"## Part {n}\n\n{sentence.format(n=n)} {sentence.format(n=n + 1)}" for n in range(30))
    folder = pipeline.new_project(
        "", tmp_path / "p", own_text=OwnText(text), limits=Limits.public_server(),
        settings=Settings(script=StageChoice("template")),
    )  # fmt: skip
    with pytest.raises(InputError, match="more than 10 scenes"):
        pipeline.write_script(folder)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory):
    with running_studio(tmp_path_factory.mktemp("own")) as served:
        yield served


def test_the_studio_writes_from_your_text_and_keeps_a_chosen_pictogram(studio, tmp_path: Path):
    url, store = studio
    client = Client(url, verbose=False)
    out = client.predict(
        "", 5, "all", "calm", "en", "template", "my own text", BEES, None, "as-written", 60,
        api_name="/write_script",
    )  # fmt: skip
    rows = out[1]["data"]
    assert out[0] == "How bees make honey" and len(rows) >= 3
    body = sentences_of("\n".join(line for line in BEES.splitlines() if not line.startswith("#")))
    assert " ".join(r[0] for r in rows) == body, "every word, in order, headings not read out"
    client.predict("card", 1, "", "auto", None, api_name="/make_images")
    choices = client.predict("rocket", "en", api_name="/search_pictograms")
    assert choices["choices"][0][1] == "🚀"
    out = client.predict(1, ["🚀"], api_name="/choose_pictograms")
    assert "🚀 rocket" in out[8] and "chosen by you" in out[8]
    saved = next(store.root.glob("*/project/project.json"))
    scene = json.loads(saved.read_text())["scenes"][0]
    assert scene["pictograms"] == ["🚀"] and scene["image_details"]["pictograms"][0]["char"] == "🚀"
    again = archive.import_zip(
        archive.export_zip(ProjectFolder.open(saved.parent), tmp_path / "p.zip"), tmp_path / "again"
    )
    assert again.project.scenes[0].pictograms == ["🚀"]
    assert pipeline.scene_states(again)[0].image_current, "the chosen picture travels with the zip"


def test_text_and_length_limits_are_said_before_any_work(tmp_path: Path):
    public = Limits.public_server()
    with pytest.raises(InputError, match="at most 50,000 on this public server"):
        pipeline.new_project("", tmp_path / "a", own_text=OwnText("Bees fly far. " * 5000), limits=public)
    least, _ = pipeline.length_range(public, Settings())  # one scene of the least narration, and the cards
    with pytest.raises(InputError, match=rf"between {least:g} and \d+ s here, not 200"):
        pipeline.new_project("", tmp_path / "b", own_text=OwnText(BEES, "condense", 200), limits=public)
    with pytest.raises(InputError, match=rf"between {least:g} and \d+ s here, not {least - 1:g}"):
        pipeline.new_project("", tmp_path / "b", own_text=OwnText(BEES, "condense", least - 1))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    shortest = pipeline.new_project("", tmp_path / "c", own_text=OwnText(BEES, "condense", least))
    pipeline.write_script(shortest)
    assert 1 <= len(shortest.project.scenes) <= 2
    many = pipeline.new_project("", tmp_path / "d", own_text=OwnText("Bees fly. " * 3500, "condense", 30))
    with pytest.raises(InputError, match="condense takes at most 3,000"):
        pipeline.write_script(many)


def test_rewrite_sends_the_text_to_a_chat_writer_and_refuses_without_one(tmp_path: Path):
    from tests.fake_llm_server import FakeLLM
    from tests.test_chat_writers import good_script

    with FakeLLM() as llm:
        llm.queue(good_script(3))
        writer = StageChoice("openai", {"base_url": llm.base_url, "model": "fake-model", "timeout": 5})
        folder = pipeline.new_project(
            "", tmp_path / "a", own_text=OwnText(BEES, "rewrite", 30), settings=Settings(script=writer)
        )
        pipeline.write_script(folder)
    sent = llm.requests[0]["messages"][-1]["content"]
    assert "Retell the text below" in sent and "exactly 3 scenes" in sent and "Egyptian tombs" in sent
    assert len(folder.project.scenes) == 3 and folder.project.ran["script"]["backend"] == "openai"
    assert folder.project.script_trace["writer"] == "openai", "the trace names the writer that retold it"
    local = pipeline.new_project(
        "", tmp_path / "b", own_text=OwnText(BEES, "rewrite"), settings=Settings(script=StageChoice("local"))
    )
    with pytest.raises(InputError, match="rewrite needs a chat writer"):
        pipeline.write_script(local)
