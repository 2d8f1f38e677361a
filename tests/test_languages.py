"""The language of a person's text is found when they did not give one, every stage that still has to run
is checked before any work, and a voice named for an existing project is used."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from videocreator import pipeline, registry
from videocreator.errors import BackendUnavailable
from videocreator.images.card import CardImages
from videocreator.project import OwnText, Settings, StageChoice
from videocreator.source import find_language

SHORT_TEXTS = {
    "en": "Honey bees collect nectar from flowers and turn it into honey in the hive.",
    "es": "Las abejas recogen el néctar de las flores y lo convierten en miel dentro de la colmena.",
    "de": "Honigbienen sammeln Nektar von Blüten und machen daraus im Stock Honig.",
    "fr": "Les abeilles récoltent le nectar des fleurs et le transforment en miel dans la ruche.",
    "it": "Le api raccolgono il nettare dai fiori e lo trasformano in miele nell'alveare.",
    "pt": "As abelhas recolhem o néctar das flores e transformam-no em mel dentro da colmeia.",
    "ja": "ミツバチは花から蜜を集め、巣の中でそれをはちみつに変えます。",
    "ar": "يجمع النحل الرحيق من الأزهار ويحوله إلى عسل داخل الخلية.",
}
SPANISH = (
    "# Las abejas\n\nLas abejas recogen el néctar de las flores. En la colmena lo convierten en miel, "
    "que guardan para el invierno.\n"
)


@pytest.mark.parametrize(("code", "text"), SHORT_TEXTS.items())
def test_the_language_of_a_short_text_is_found(code: str, text: str):
    found = find_language(text)
    assert found.code == code and found.probability > 0.9, found


def test_a_project_from_ones_own_text_takes_its_language_and_says_so(tmp_path: Path):
    folder = pipeline.new_project("", tmp_path / "p", own_text=OwnText(SPANISH))
    assert folder.project.language == "es"
    assert folder.notes[0].startswith("language: Spanish (es), found in your text")
    given = pipeline.new_project("", tmp_path / "q", language="pt", own_text=OwnText(SPANISH))
    assert given.project.language == "pt" and not given.notes, "a language given is used as given"
    topic = pipeline.new_project("Las abejas y la miel", tmp_path / "r")
    assert topic.project.language == "en", "a topic's language is English unless given"
    short = pipeline.new_project("", tmp_path / "s", own_text=OwnText("Volcanoes erupt."))
    assert short.project.language == "en" and "too short to tell" in short.notes[0], short.notes


def videocreator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "videocreator", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_a_missing_voice_stops_make_before_any_work_and_a_voice_named_later_is_used(tmp_path: Path):
    text, out = tmp_path / "abejas.md", tmp_path / "abejas"
    text.write_text(SPANISH, encoding="utf-8")
    started = time.monotonic()
    refused = videocreator("make", "--text", str(text), "--out", str(out), "--resolution", "720p")
    seconds = time.monotonic() - started
    assert refused.returncode == 2, refused.stderr
    assert (
        "error: voice (auto): no voice here speaks Spanish (es): add one with `videocreator voices add es` "
        "(the Piper voice es_ES-davefx-medium)" in refused.stderr
    )
    project = json.loads((out / "project.json").read_text(encoding="utf-8"))
    assert project["language"] == "es" and project["scenes"] == [], "no script was written"
    assert sorted(p.name for p in out.iterdir()) == ["project.json"], "nor anything else made"
    made = videocreator(
        "make", "--text", str(text), "--out", str(out), "--voice", "piper", "--resolution", "720p"
    )
    assert made.returncode == 0, made.stderr
    project = json.loads((out / "project.json").read_text(encoding="utf-8"))
    assert project["settings"]["voice"]["backend"] == "piper" and (out / "video.mp4").is_file()
    print(f"refused in {seconds:.1f} s, with the interpreter's start")


class UnreadyIllustrator(CardImages):
    name = "unready"

    @classmethod
    def readiness(cls) -> str | None:
        return "needs the paint package: pip install paint"


def test_a_chosen_backend_that_cannot_run_here_stops_make_before_any_work(tmp_path: Path):
    registry.register(UnreadyIllustrator)
    try:
        chosen = Settings(script=StageChoice("template"), images=StageChoice("unready"))
        with pytest.raises(BackendUnavailable, match=r"^images \(unready\): needs the paint package"):
            pipeline.make_video("How volcanoes form", tmp_path / "p", scenes=2, settings=chosen)
    finally:
        registry.unregister(UnreadyIllustrator)
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["project.json"], "no script, no pictures"
