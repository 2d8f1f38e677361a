"""The Coqui backend through its real loading code, on a tiny random-weight VITS built from its config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_module, rms

require_module("TTS", "Coqui TTS is an optional install (requirements-test.txt)")

from videocreator import registry
from videocreator.errors import InputError
from videocreator.stage import Stage


@pytest.fixture(scope="session")
def tiny_vits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """model.pth + config.json, as a downloaded or self-trained Coqui model folder holds them."""
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    args = VitsArgs(
        hidden_channels=16, hidden_channels_ffn_text_encoder=32, num_heads_text_encoder=2,
        num_layers_text_encoder=1, num_layers_flow=1, num_layers_posterior_encoder=1,
        upsample_initial_channel_decoder=32, resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3, 5]], upsample_rates_decoder=[8, 8, 4],
        upsample_kernel_sizes_decoder=[16, 16, 8], use_sdp=False, init_discriminator=False,
    )  # fmt: skip
    config = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="english_cleaners")
    torch.manual_seed(0)
    model = Vits.init_from_config(config)
    folder = tmp_path_factory.mktemp("tiny-vits")
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    config.save_json(str(folder / "config.json"))
    return folder


def test_tiny_model_speaks_sentence_by_sentence(tiny_vits: Path):
    narrator = registry.create(Stage.VOICE, "coqui", {"model": str(tiny_vits)})
    speech = narrator.narrate("Hello there. This voice is random noise, but it is real audio!")
    assert speech.sample_rate == 22050
    assert len(speech.sentences) == 2
    assert speech.sentences[1][2] == pytest.approx(speech.duration)
    assert rms(speech.samples) > 0.005
    assert narrator.model() is narrator.model(), "loaded once"


def test_clear_errors(tiny_vits: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(InputError, match="reference recording"):
        registry.create(Stage.VOICE, "coqui", {"model": str(tiny_vits), "speaker_wav": "/nope.wav"}).narrate(
            "Hi."
        )
    monkeypatch.setenv("TTS_HOME", str(tmp_path))
    reason = registry.get(Stage.VOICE, "coqui").readiness()
    assert reason is not None and "tts_models/en/ljspeech/vits is not downloaded" in reason


def test_cli_make_with_a_local_coqui_model(tiny_vits: Path, tmp_path: Path):
    out = tmp_path / "p"
    cmd = [sys.executable, "-m", "videocreator", "make", "Tides", "--out", str(out), "--writer", "template"]
    cmd += ["--scenes", "1", "--resolution", "720p", "--music", "none"]
    cmd += ["--voice", "coqui", "--voice-model", str(tiny_vits)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    project = json.loads((out / "project.json").read_text())
    assert project["settings"]["voice"]["backend"] == "coqui"
    assert project["scenes"][0]["duration"] > 0.1
