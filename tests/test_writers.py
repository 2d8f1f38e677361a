"""Script writers: the shared parser, the deterministic template writer, and the bundled local model."""

from __future__ import annotations

import json

import pytest

from videocreator import registry
from videocreator.backend import ScriptRequest
from videocreator.errors import ProviderFailed
from videocreator.stage import Stage
from videocreator.writers import parsing
from videocreator.writers.local_llm import usable

REQUEST = ScriptRequest(topic="How volcanoes form", scenes=2)
SCRIPT = {"title": "Volcanoes", "scenes": [{"narration": "Magma rises.", "image_prompt": "magma"}] * 3}


@pytest.mark.parametrize(
    "reply",
    [
        json.dumps(SCRIPT),
        f"```json\n{json.dumps(SCRIPT)}\n```",
        f"Sure! Here is your script:\n{json.dumps(SCRIPT)}\nEnjoy.",
    ],
)
def test_parse_accepts_fenced_and_chatty_replies_and_trims_extra_scenes(reply: str):
    script = parsing.parse_script(reply, REQUEST)
    assert script.title == "Volcanoes"
    assert [s.narration for s in script.scenes] == ["Magma rises.", "Magma rises."]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "empty"),
        ("no json here", "no JSON object"),
        ('{"title": "x"}', 'no "scenes" list'),
        ('{"scenes": [{"narration": "Only one.", "image_prompt": "x"}]}', "1 usable scenes, 2 were asked"),
        ('{"scenes": [{"narration": "  ", "image_prompt": "x"}, 3, {"narration": "ok."}]}', "1 usable"),
    ],
)
def test_parse_rejects_unusable_replies_with_a_reason(reply: str, reason: str):
    with pytest.raises(ProviderFailed, match=reason):
        parsing.parse_script(reply, REQUEST, provider="test")


def test_parse_cleans_and_caps_texts():
    long = "A sentence that goes on. " * 40
    raw = json.dumps(
        {"scenes": [{"narration": "Ctrl\u0007 chars\n\nand  spaces.", "visual": "x"}, {"text": long}]}
    )
    script = parsing.parse_script(raw, REQUEST)
    assert script.scenes[0].narration == "Ctrl chars and spaces."
    assert script.scenes[0].image_prompt == "x"
    assert len(script.scenes[1].narration) <= parsing.MAX_NARRATION_CHARS
    assert script.scenes[1].narration.endswith("on.")
    assert script.title == "How volcanoes form"


def test_schema_fixes_the_scene_count():
    schema = parsing.script_schema(4)
    assert schema["properties"]["scenes"]["minItems"] == schema["properties"]["scenes"]["maxItems"] == 4


@pytest.mark.parametrize("topic", ["How volcanoes form", "🌋 火山 \u202eمرحبا e\u0301", "x" * 500])
@pytest.mark.parametrize("scenes", [1, 2, 5, 12])
def test_template_writer_is_deterministic_and_exact(topic: str, scenes: int):
    writer = registry.create(Stage.SCRIPT, "template")
    request = ScriptRequest(topic=topic, scenes=scenes, seed=3)
    first, again = writer.write(request), writer.write(request)
    assert len(first.scenes) == scenes
    assert [s.narration for s in first.scenes] == [s.narration for s in again.scenes]
    assert all(s.narration.strip() and s.image_prompt.strip() for s in first.scenes)
    other = writer.write(ScriptRequest(topic=topic, scenes=scenes, seed=4))
    assert scenes < 3 or [s.narration for s in other.scenes] != [s.narration for s in first.scenes]


def test_local_post_filter_drops_junk_and_repeats():
    assert usable("The sky glows red as lava pours out .", []) == "The sky glows red as lava pours out."
    assert usable("Lava.", []) is None, "too short"
    assert usable("and then the magma and then the magma and", []) is None, "no sentence end"
    earlier = ["Magma rises through cracks in the crust of the earth."]
    assert usable("Magma rises through the cracks in the crust of the earth.", earlier) is None, "a repeat"


@pytest.mark.slow
def test_bundled_model_writes_a_usable_script():
    writer = registry.create(Stage.SCRIPT, "local")
    script = writer.write(ScriptRequest(topic="How volcanoes form", scenes=3))
    assert len(script.scenes) == 3
    assert script.title == "How volcanoes form"
    text = " ".join(s.narration for s in script.scenes).lower()
    assert any(word in text for word in ("volcano", "magma", "lava"))
    assert not any(ch.isdigit() for ch in text), "the grammar allows no invented numbers"
    assert script.trace["prompt"].endswith('Video script: "How volcanoes form"\n')
    assert len(script.trace["lines"]) >= 3
