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
from videocreator.backend import ImageRequest, Stage
from videocreator.images.diffusion import family_of, generation_size


def _tiny_tokenizer():
    """A CLIP tokenizer whose vocabulary is just the 256 byte symbols (no merges): tiny, and made here."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    tokens = ["<|startoftext|>", "<|endoftext|>", *chars, *(c + "</w>" for c in chars)]
    vocab = {t: i for i, t in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77), len(tokens)


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Stable Diffusion pipeline with tiny random weights, saved as a user's downloaded model would be."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    root = tmp_path_factory.mktemp("models")
    tokenizer, vocab = _tiny_tokenizer()
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, norm_num_groups=4, attention_head_dim=4,
    )  # fmt: skip
    vae = AutoencoderKL(
        block_out_channels=[8, 8, 16, 16], in_channels=3, out_channels=3,
        latent_channels=4, norm_num_groups=4,
        down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,  # 8x, as in SD
    )  # fmt: skip
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=32, intermediate_size=37,
            num_attention_heads=4, num_hidden_layers=2, vocab_size=vocab,
        )
    )  # fmt: skip
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear")
    pipe = StableDiffusionPipeline(
        unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )  # fmt: skip
    folder = root / "tiny-sd-turbo"  # "turbo": the family defaults of 2 steps without guidance apply
    pipe.save_pretrained(folder)
    return folder


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
    from videocreator import auto, pipeline
    from videocreator.project import Settings, StageChoice

    options = {"model": str(tiny_pipeline), "device": "auto"}
    assert auto.images(options).backend == "card", "no GPU: the offline illustrator"
    monkeypatch.setattr(auto, "gpu_available", lambda: True)
    found = auto.images(options)
    assert found.backend == "diffusers" and found.options["model"] == str(tiny_pipeline)
    assert auto.images({"model": str(tmp_path / "incomplete")}).backend == "card"
    settings = Settings(
        writer=StageChoice("template"), images=StageChoice("auto", options), resolution="360p"
    )
    folder = pipeline.new_project("Owls", tmp_path / "p", settings=settings)
    pipeline.write_script(folder, 1)
    pipeline.make_images(folder)
    assert folder.project.ran["images"]["backend"] == "diffusers"
    assert folder.has(folder.project.scenes[0].image)
