"""The OpenAI-compatible and g4f writers against a loopback server speaking the chat-completions protocol."""

from __future__ import annotations

import json
import time

import pytest

from tests.fake_llm_server import FakeLLM, Reply
from videocreator import registry
from videocreator.backend import ScriptRequest
from videocreator.errors import ProviderFailed
from videocreator.stage import Stage

REQUEST = ScriptRequest(topic="How volcanoes form", scenes=3)


def good_script(scenes: int = 3) -> str:
    return json.dumps(
        {
            "title": "How Volcanoes Form",
            "scenes": [
                {
                    "narration": f"Scene {n}: magma rises through the crust.",
                    "image_prompt": f"volcano, view {n}",
                }
                for n in range(1, scenes + 1)
            ],
        }
    )


@pytest.fixture
def server():
    with FakeLLM() as fake:
        yield fake


def openai_writer(server: FakeLLM, **options):
    return registry.create(
        Stage.SCRIPT, "openai", {"base_url": server.base_url, "model": "fake-model", "timeout": 2, **options}
    )


def test_plain_reply_asks_for_the_schema(server: FakeLLM):
    server.queue(good_script())
    script = openai_writer(server, stream=False).write(REQUEST)
    assert [s.image_prompt for s in script.scenes] == [
        "volcano, view 1",
        "volcano, view 2",
        "volcano, view 3",
    ]
    sent = server.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert "volcanoes" in json.dumps(sent["messages"]).lower()
    assert script.trace["raw_replies"] == [good_script()]


def test_streamed_reply_reaches_the_listener(server: FakeLLM):
    server.queue(good_script())
    writer = openai_writer(server)
    seen: list[str] = []
    writer.listener = seen.append
    assert len(writer.write(REQUEST).scenes) == 3
    assert len(seen) > 3 and seen[-1] == good_script()


def test_a_writer_used_twice_traces_each_script_with_its_own_requests(server: FakeLLM):
    server.queue(good_script(), good_script())
    writer = openai_writer(server, stream=False)
    first, second = writer.write(REQUEST), writer.write(REQUEST)
    assert len(first.trace["requests"]) == len(second.trace["requests"]) == 1


def test_invalid_json_is_asked_again_once(server: FakeLLM):
    server.queue("Sure! Here is a script about volcanoes: {not json", good_script())
    script = openai_writer(server, stream=False).write(REQUEST)
    assert len(script.scenes) == 3
    assert "not usable" in server.requests[1]["messages"][-1]["content"]


def test_junk_twice_fails_naming_the_provider(server: FakeLLM):
    server.queue("junk", "more junk")
    with pytest.raises(
        ProviderFailed, match=r"script \(openai-compatible\): the reply was not a usable script"
    ):
        openai_writer(server, stream=False).write(REQUEST)


def test_rate_limit_honours_retry_after_then_succeeds(server: FakeLLM):
    server.queue(Reply(status=429, content="slow down", headers={"Retry-After": "1"}), good_script())
    started = time.monotonic()
    assert len(openai_writer(server, stream=False).write(REQUEST).scenes) == 3
    assert time.monotonic() - started >= 1.0
    assert len(server.requests) == 2


def test_server_errors_are_retried_a_bounded_number_of_times(server: FakeLLM):
    server.queue(*[Reply(status=500, content="boom")] * 3)
    with pytest.raises(ProviderFailed, match=r"server error \(500\).*gave up after 2 tries"):
        openai_writer(server, stream=False, retries=1).write(REQUEST)
    assert len(server.requests) == 2


def test_timeout_then_empty_reply(server: FakeLLM):
    server.queue(Reply(content=good_script(), stall=3), Reply(content=""), Reply(content=""))
    with pytest.raises(ProviderFailed, match="not a usable script"):
        openai_writer(server, stream=False, timeout=1, retries=1).write(REQUEST)


def test_vanished_model_fails_at_once(server: FakeLLM):
    server.queue(Reply(status=404, content="model 'fake-model' not found"))
    with pytest.raises(ProviderFailed, match="model 'fake-model' not found"):
        openai_writer(server, stream=False).write(REQUEST)
    assert len(server.requests) == 1


def test_schema_refused_falls_back_to_json_mode(server: FakeLLM):
    server.queue(Reply(status=400, content="response_format json_schema unsupported"), good_script())
    assert len(openai_writer(server, stream=False).write(REQUEST).scenes) == 3
    assert server.requests[1]["response_format"] == {"type": "json_object"}


def test_g4f_custom_provider_talks_to_the_server(server: FakeLLM):
    server.queue(good_script())
    writer = registry.create(
        Stage.SCRIPT,
        "g4f",
        {"provider": "Custom", "base_url": server.base_url, "model": "fake-model", "timeout": 5},
    )
    script = writer.write(REQUEST)
    assert script.title == "How Volcanoes Form"
    assert server.requests[0]["model"] == "fake-model"


def test_g4f_errors_are_named(server: FakeLLM):
    server.queue(*[Reply(status=503, content="unavailable")] * 2)
    writer = registry.create(
        Stage.SCRIPT,
        "g4f",
        {"provider": "Custom", "base_url": server.base_url, "model": "m", "timeout": 5, "retries": 1},
    )
    with pytest.raises(ProviderFailed, match=r"script \(g4f/Custom\)"):
        writer.write(REQUEST)


def test_the_script_shows_in_the_progress_while_it_streams(server: FakeLLM, tmp_path):
    from videocreator import pipeline
    from videocreator.project import Settings, StageChoice

    server.queue(good_script(2))
    writer = StageChoice("openai", {"base_url": server.base_url, "model": "fake-model", "timeout": 2})
    folder = pipeline.new_project("How volcanoes form", tmp_path / "p", settings=Settings(script=writer))
    messages: list[str] = []
    pipeline.write_script(folder, 2, pipeline.Reporter(lambda fraction, message: messages.append(message)))
    streamed = [m for m in messages if m.startswith("openai writes: …")]
    assert len(streamed) > 3 and "magma rises through the crust" in streamed[-1]
