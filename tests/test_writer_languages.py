"""A writer that cannot write the chosen language says so before any work, on every way in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import running_studio
from videocreator import pipeline, registry
from videocreator.errors import InputError
from videocreator.project import Settings, StageChoice
from videocreator.stage import Stage

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "كيف تتكون البراكين"
TEMPLATE = StageChoice("template")


def test_each_writer_says_which_languages_it_writes():
    writers = registry.backends(Stage.SCRIPT)
    assert writers["template"].writes("en") and writers["template"].writes("en-GB")
    assert not writers["template"].writes("ar")
    assert all(writers[name].writes("ar") for name in ("local", "openai", "g4f", "text"))


def test_the_library_refuses_before_making_the_project(tmp_path: Path):
    with pytest.raises(InputError, match=r"template writer cannot write Arabic \(ar\); choose g4f or local"):
        pipeline.new_project(
            TOPIC, tmp_path / "p", language="ar", settings=Settings(script=StageChoice("template"))
        )
    assert not (tmp_path / "p").exists()


def test_the_writer_chain_skips_writers_of_another_language(tmp_path: Path):
    folder = pipeline.new_project(
        TOPIC,
        tmp_path / "p",
        language="ar",
        settings=Settings(
            script=StageChoice("openai", {"base_url": "http://127.0.0.1:9/v1", "timeout": 1, "retries": 0})
        ),
    )
    assert [name for name, _ in pipeline.writer_chain(folder)] == ["openai", "local"]


def test_the_command_line_refuses_with_one_line(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "videocreator", "make", TOPIC, "--language", "ar", "--writer", "template",
         "--out", str(tmp_path / "p")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "cannot write Arabic" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "p").exists()


def test_the_studio_refuses_with_a_message(tmp_path: Path):
    with running_studio(tmp_path) as (url, _):
        client = Client(url, verbose=False)
        with pytest.raises(Exception, match="template writer cannot write Arabic"):
            client.predict(TOPIC, 3, "all", "calm", "ar", "template", api_name="/write_script")
