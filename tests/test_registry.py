"""The registry: one name per backend and stage, and the offline default of each stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from videocreator import registry
from videocreator.backend import ImageMaker
from videocreator.errors import InputError
from videocreator.stage import CHOSEN, Stage

ROOT = Path(__file__).resolve().parent.parent


def test_a_name_taken_twice_is_an_error_not_a_silent_replacement():
    original = registry.get(Stage.IMAGES, "card")

    class Impostor(ImageMaker):
        name = "card"

    with pytest.raises(ValueError, match="two images backends are named 'card'"):
        registry.register(Impostor)
    assert registry.get(Stage.IMAGES, "card") is original
    assert registry.register(original) is original  # the same class again is harmless


def test_each_chosen_stage_has_an_offline_default():
    assert [registry.default_name(stage) for stage in CHOSEN] == ["local", "card", "piper"]


def test_errors_name_their_stage_from_the_one_vocabulary():
    with pytest.raises(InputError) as caught:
        registry.get(Stage.VOICE, "nope")
    assert caught.value.stage is Stage.VOICE and str(caught.value).startswith("voice: unknown backend 'nope'")
    with pytest.raises(ValueError, match="narration"):
        InputError("x", stage="narration")  # type: ignore[arg-type]  # a stage outside the vocabulary


THREADS_AT_ONCE = """
import json, threading
from videocreator import registry
from videocreator.stage import Stage
seen = []
threads = [
    threading.Thread(target=lambda: seen.append(sorted(registry.backends(Stage.VOICE)))) for _ in range(8)
]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(seen))
"""


def test_threads_asking_at_once_each_find_every_backend():
    """Stages working side by side ask the registry at once in a new process: none sees it half loaded."""
    done = subprocess.run(
        [sys.executable, "-c", THREADS_AT_ONCE], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert all("piper" in names for names in json.loads(done.stdout)), done.stdout


def test_a_registry_whose_load_failed_loads_again_when_next_asked():
    """A backend module that fails to import (a broken install, then mended) fails that call; the next
    call imports the backends again instead of answering from a half-filled registry."""
    code = """
import sys
from videocreator import registry
from videocreator.stage import Stage
sys.modules["videocreator.voices.piper"] = None  # its import fails, as a broken install's would
try:
    registry.backends(Stage.VOICE)
except ImportError:
    print("failed")
del sys.modules["videocreator.voices.piper"]
print(" ".join(sorted(registry.backends(Stage.VOICE))))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    said = done.stdout.split()
    assert said[0] == "failed" and "piper" in said[1:]
