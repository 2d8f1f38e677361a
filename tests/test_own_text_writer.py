"""The "text" writer: a person's own words become the script, as written or condensed, in any language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from videocreator import registry
from videocreator.backend import ScriptRequest
from videocreator.errors import InputError
from videocreator.source import blocks, count_words, split_sentences, words_per_second
from videocreator.speech.pace import measure_pace
from videocreator.stage import Stage
from videocreator.text import MAX_SCENE_TEXT_CHARS
from videocreator.voices.piper import PiperNarrator
from videocreator.writers.own_text import OwnTextWriter

COURSE = (Path(__file__).parent / "data" / "source" / "course.md").read_text()
SPANISH = """# El ciclo del agua

El agua del mar se calienta con el sol y sube al cielo como vapor. Allí arriba el aire es frío, y el
vapor se convierte en pequeñas gotas que forman las nubes.

Cuando las gotas crecen, caen como lluvia o nieve. El Sr. Pérez midió 3,5 litros en su jardín en una
sola tarde de abril.

## De vuelta al mar

Los ríos llevan el agua de nuevo hasta el mar. Una parte se queda bajo la tierra durante muchos años, y
los pozos la sacan para beber. Así el ciclo empieza otra vez, sin final.
"""


def spoken_words(markdown: str) -> list[str]:
    return " ".join(b.text for b in blocks(markdown) if not b.is_heading).split()


def test_registered_as_the_text_writer():
    assert registry.backends(Stage.SCRIPT)["text"] is OwnTextWriter
    assert not OwnTextWriter.offline_default


def test_as_written_reads_every_word_in_order_with_headings_as_titles():
    script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=COURSE))
    narration = " ".join(scene.narration for scene in script.scenes)
    assert narration.split() == spoken_words(COURSE)
    assert script.title == "How plants eat light"
    titles = script.trace["scene_titles"]
    assert [t for t in titles if t] == ["How plants eat light", "Water and air", "What plants give back"]
    assert titles[0] == "How plants eat light" and len(titles) == len(script.scenes)
    assert not any("Water and air" in scene.narration for scene in script.scenes)
    # Each scene starts and ends on a sentence boundary.
    sentences = {s for b in blocks(COURSE) for s in split_sentences(b.text, "en")}
    for scene in script.scenes:
        assert any(scene.narration.startswith(s) for s in sentences)
        assert any(scene.narration.endswith(s) for s in sentences)


def test_scene_lengths_stay_near_the_comfort_window():
    # 8-12 s is the aim; scenes are whole sentences (here 3-6 s each) that prefer paragraph ends and
    # always start at a heading, so some land up to a short sentence outside it.
    for pace in (2.5, 3.0, 3.5):
        script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=COURSE, words_per_second=pace))
        seconds = [count_words(scene.narration) / pace for scene in script.scenes]
        assert all(6.0 <= s <= 15.0 for s in seconds), seconds
        assert sum(8.0 <= s <= 12.5 for s in seconds) >= len(seconds) / 2, seconds
        assert 8.0 <= sum(seconds) / len(seconds) <= 12.0
        assert script.trace["scene_seconds"] == [round(s, 1) for s in seconds]


def test_image_prompts_share_key_words_with_their_scene():
    for language, text in (("en", COURSE), ("es", SPANISH)):
        script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=text, language=language))
        for scene in script.scenes:
            words = set(re.findall(r"\w+", scene.narration.lower()))
            prompt_words = set(re.findall(r"\w+", scene.image_prompt.lower()))
            assert prompt_words and prompt_words <= words, (scene.image_prompt, scene.narration)
            assert scene.image_prompt != scene.narration[: len(scene.image_prompt)]


def test_a_spanish_text_keeps_its_abbreviations_and_decimals():
    script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=SPANISH, language="es"))
    assert script.title == "El ciclo del agua"
    narration = " ".join(scene.narration for scene in script.scenes)
    assert narration.split() == spoken_words(SPANISH)
    assert any("El Sr. Pérez midió 3,5 litros en su jardín" in scene.narration for scene in script.scenes)
    assert (
        script.trace["scene_titles"][0] == "El ciclo del agua"
        and "De vuelta al mar" in script.trace["scene_titles"]
    )
    assert script.trace["sentence_rules"] == "pysbd (es)"


def long_text(paragraphs: int) -> str:
    """Paragraphs of four sentences, every sentence different (so each is found again by its text)."""
    topics = ["rivers", "glaciers", "deserts", "forests", "reefs", "volcanoes", "caves", "islands"]
    lines = []
    for number in range(1, paragraphs + 1):
        topic = topics[number % len(topics)]
        lines.append(
            f"Part {number} is about {topic}. Scientists measured {topic} for {number + 1} years in many "
            f"countries. In study {number}, the {topic} changed slowly, and the data showed a clear pattern. "
            f"People living near the {topic} of region {number} noticed it too."
        )
    return "\n\n".join(lines)


def test_too_long_as_written_suggests_condense_and_names_the_length():
    text = long_text(40)
    with pytest.raises(InputError) as caught:
        OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=text))
    message = str(caught.value)
    assert "condense" in message and f"{count_words(text):,} words" in message
    assert re.search(r"about \d+ min \d+ s", message)


@pytest.mark.parametrize("length_s", [30.0, 60.0, 120.0])
def test_condense_keeps_original_sentences_in_order_and_hits_the_budget(length_s: float):
    text = long_text(40)
    originals = [s for b in blocks(text) for s in split_sentences(b.text, "en")]
    script = OwnTextWriter().write(
        ScriptRequest(topic="", scenes=20, text=text, mode="condense", length_s=length_s)
    )
    kept = [s for scene in script.scenes for s in split_sentences(scene.narration, "en")]
    positions = [originals.index(s) for s in kept]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    target = round(length_s * 2.5)
    chosen = sum(count_words(scene.narration) for scene in script.scenes)
    assert abs(chosen - target) <= 0.1 * target
    trace = script.trace
    assert (trace["mode"], trace["target_words"], trace["chosen_words"]) == ("condense", target, chosen)
    listed = trace["sentences"]
    assert [row["text"] for row in listed if row["kept"]] == kept
    assert all(0 <= row["score"] <= 1 for row in listed) and any(not row["kept"] for row in listed)


def test_condense_without_a_length_aims_at_a_minute_and_keeps_a_short_text_whole():
    script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=long_text(40), mode="condense"))
    assert script.trace["target_words"] == 150
    short = OwnTextWriter().write(
        ScriptRequest(topic="", scenes=20, text=COURSE, mode="condense", length_s=120)
    )
    assert " ".join(s.narration for s in short.scenes).split() == spoken_words(COURSE)


def test_a_very_long_sentence_is_cut_to_fit_a_scene():
    sentence = "This sentence goes on, " + "and on and on, " * 200 + "until it ends."
    script = OwnTextWriter().write(ScriptRequest(topic="", scenes=20, text=sentence, words_per_second=10))
    assert all(len(scene.narration) <= MAX_SCENE_TEXT_CHARS for scene in script.scenes)
    assert " ".join(scene.narration for scene in script.scenes).split() == sentence.split()


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"text": ""}, "the text is empty"),
        ({"text": "# Only a heading"}, "has only headings"),
        ({"text": "Fine.", "mode": "summarise"}, "unknown mode 'summarise'"),
        ({"text": "Fine.", "mode": "condense", "length_s": 5000}, "between 5 and 300 seconds"),
    ],
)
def test_bad_requests_are_input_errors(fields: dict, says: str):
    with pytest.raises(InputError, match=says):
        OwnTextWriter().write(ScriptRequest(topic="", scenes=20, **fields))


@pytest.mark.slow
def test_condensed_narration_lands_within_15_percent_of_the_target(tmp_path: Path):
    narrator = PiperNarrator()
    letters = measure_pace(narrator, 1.0, "en", cache_file=tmp_path / "pace.json")
    text = long_text(30)
    request = ScriptRequest(
        topic="", scenes=20, text=text, mode="condense", length_s=30,
        words_per_second=words_per_second(text, letters),
    )  # fmt: skip
    script = OwnTextWriter().write(request)
    spoken = sum(narrator.narrate(scene.narration).duration for scene in script.scenes)
    assert abs(spoken - 30) <= 0.15 * 30, spoken
