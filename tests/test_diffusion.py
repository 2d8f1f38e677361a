"""The diffusers backend through its real loading code, on a tiny random-weight pipeline saved locally."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import require_module

require_module("diffusers", "the diffusers backend is an optional install (requirements-test.txt)")

from videocreator import registry
from videocreator.backend import ImageRequest
from videocreator.images.diffusion import family_of, generation_size
from videocreator.stage import Stage


def test_family_defaults_and_sizes():
    assert family_of("stabilityai/sd-turbo").steps <= 4
    assert family_of("stabilityai/sdxl-turbo").native == 1024
    assert family_of("black-forest-labs/FLUX.1-schnell").guidance == 0.0
    assert family_of("runwayml/stable-diffusion-v1-5").steps == 25
    w, h = generation_size(1080, 1920, 512)
    assert w % 64 == h % 64 == 0 and abs(w / h - 9 / 16) < 0.05


def test_generates_at_frame_size_reproducibly_by_seed(tiny_pipeline: Path):
    maker = registry.create(Stage.IMAGES, "diffusers", {"model": str(tiny_pipeline), "style": "none"})
    request = ImageRequest(prompt="a volcano at dawn", width=360, height=640, seed=7)
    first, again = maker.make(request), maker.make(request)
    other = maker.make(ImageRequest(prompt="a volcano at dawn", width=360, height=640, seed=8))
    assert first.size == (360, 640)
    pixels = np.asarray(first, dtype=float)
    assert pixels.std() > 1.0, "not a blank image"
    assert np.array_equal(pixels, np.asarray(again, dtype=float))
    assert np.abs(pixels - np.asarray(other, dtype=float)).mean() > 1.0
    assert maker.pipeline() is maker.pipeline(), "the pipeline is loaded once"


def test_missing_model_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import huggingface_hub.constants

    from videocreator.errors import BackendUnavailable

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    maker = registry.create(Stage.IMAGES, "diffusers", {"model": "someone/not-downloaded"})
    with pytest.raises(BackendUnavailable, match="neither a local folder nor downloaded"):
        maker.make(ImageRequest(prompt="x", width=64, height=64, seed=0))
    reason = registry.get(Stage.IMAGES, "diffusers").readiness()
    assert reason is not None and "stabilityai/sd-turbo is not downloaded" in reason
    assert "--image-model PATH" in reason


def test_cli_make_with_the_diffusers_backend(tiny_pipeline: Path, tmp_path: Path):
    out = tmp_path / "p"
    cmd = [sys.executable, "-m", "videocreator", "make", "How volcanoes form", "--out", str(out)]
    cmd += ["--writer", "template", "--scenes", "2", "--resolution", "720p", "--music", "none"]
    cmd += ["--images", "diffusers", "--image-model", str(tiny_pipeline)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    project = json.loads((out / "project.json").read_text())
    assert project["settings"]["images"] == {"backend": "diffusers", "options": {"model": str(tiny_pipeline)}}
    seeds = [scene["image_seed"] for scene in project["scenes"]]
    assert len(set(seeds)) == 2
    for scene in project["scenes"]:
        with Image.open(out / scene["image"]) as image:
            assert image.size == (720, 1280)
    assert (out / "video.mp4").stat().st_size > 10_000


def test_auto_chooses_diffusers_with_a_local_model_and_a_gpu(
    tiny_pipeline: Path, tmp_path: Path, monkeypatch
):
    """The device query is faked (no GPU here); the pipeline is the real tiny one, run on the CPU."""
    from videocreator import pipeline
    from videocreator.project import Settings, StageChoice
    from videocreator.stages import auto

    options = {"model": str(tiny_pipeline), "device": "auto"}
    assert auto.images(options).backend == "card", "no GPU: the offline illustrator"
    monkeypatch.setattr(auto, "gpu_available", lambda: True)
    found = auto.images(options)
    assert found.backend == "diffusers" and found.options["model"] == str(tiny_pipeline)
    assert auto.images({"model": str(tmp_path / "incomplete")}).backend == "card"
    settings = Settings(
        script=StageChoice("template"), images=StageChoice("auto", options), resolution="360p"
    )
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=settings)
    pipeline.write_script(folder, 1)
    pipeline.make_images(folder)
    assert folder.project.ran["images"]["backend"] == "diffusers"
    assert folder.has(folder.project.scenes[0].image)


def test_on_zerogpu_pictures_are_made_inside_spaces_gpu(tiny_pipeline: Path, tmp_path: Path, monkeypatch):
    """No Space is reachable here: a stand-in ``spaces`` module records what ZeroGPU would lend a GPU to."""
    import importlib
    import sys
    import types

    from videocreator import gpu
    from videocreator.stages import auto

    lent: list[int] = []

    def GPU(duration: int):
        def decorate(fn):
            def on_a_gpu(*args):
                lent.append(duration)
                return fn(*args)

            return on_a_gpu

        return decorate

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=GPU))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    importlib.reload(gpu)  # ZeroGPU's functions are decorated when the module is imported
    try:
        assert auto.gpu_available(), "ZeroGPU lends a GPU per call, so auto may choose diffusers"
        maker = registry.create(Stage.IMAGES, "diffusers", {"model": str(tiny_pipeline), "style": "none"})
        image = maker.make(ImageRequest(prompt="a volcano", width=64, height=96, seed=1))
        assert image.size == (64, 96) and lent == [gpu.GPU_SECONDS]
    finally:
        monkeypatch.delenv("SPACES_ZERO_GPU")
        importlib.reload(gpu)


def test_auto_takes_a_downloaded_hub_model_and_skips_one_that_is_not(tmp_path: Path, monkeypatch):
    from huggingface_hub import constants

    from videocreator.stages import auto

    repo = tmp_path / "hub" / "models--someone--tiny-sd"
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "model_index.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(auto, "gpu_available", lambda: True)
    assert auto.images({"model": "someone/tiny-sd"}).backend == "diffusers"
    skipped = auto.images({"model": "someone/not-here"})
    assert skipped.backend == "card" and "someone/not-here is not downloaded" in skipped.why
