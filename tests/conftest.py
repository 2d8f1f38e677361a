"""Shared test helpers: reading back what a user would get (via PyAV, i.e. FFmpeg's own libraries)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from videocreator.limits import Limits
from videocreator.sessions import SessionStore
from videocreator.settings import ServerSettings
from videocreator.stages import auto

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Something a test needs is missing: skip on a developer's machine, fail in CI, where the README
    promises what these tests check."""
    if IN_CI:
        pytest.fail(f"CI must run this test, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, reason: str) -> None:
    try:
        __import__(name)
    except ImportError:
        unavailable(reason)


@dataclass
class Probe:
    width: int
    height: int
    fps: float
    frames: int
    video_duration: float
    audio_duration: float
    audio_rate: int
    audio_channels: int
    video_codec: str
    audio_codec: str
    pix_fmt: str


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        sound = container.streams.audio[0]
        return Probe(
            width=video.width,
            height=video.height,
            fps=float(video.average_rate),
            frames=video.frames,
            video_duration=float(video.duration * video.time_base),
            audio_duration=float(sound.duration * sound.time_base),
            audio_rate=sound.sample_rate,
            audio_channels=sound.channels,
            video_codec=video.codec_context.name,
            audio_codec=sound.codec_context.name,
            pix_fmt=video.codec_context.pix_fmt,
        )


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """Mono float samples of a file's first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame.to_ndarray().astype(np.float32) for frame in container.decode(stream)]
        rate = stream.sample_rate
    data = np.concatenate([c if c.ndim == 2 else c[None] for c in chunks], axis=1)
    return data.mean(axis=0), rate


def decode_frames(path: Path, indices: set[int] | None = None) -> dict[int, np.ndarray]:
    """RGB frames by index (all of them when ``indices`` is None)."""
    out = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if indices is None or i in indices:
                out[i] = frame.to_ndarray(format="rgb24")
    return out


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0


def pdf_file(objects: list[bytes]) -> bytes:
    """A PDF written by hand from its numbered objects (1 the catalog), with the cross-reference table
    and trailer PDF 1.4 defines."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def wait_until_serving(url: str, server: subprocess.Popen[Any], seconds: float = 180) -> None:
    """Wait for a studio started as its own process to answer at ``url``."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code == 200:
                return
        assert server.poll() != 90, "mounting the test filesystem failed"
        assert time.monotonic() < deadline and server.poll() is None, "the app did not start"
        time.sleep(0.5)


def reset_peak_memory() -> None:
    """Measure this process's peak resident memory afresh from here (Linux resets VmHWM on "5"). The
    peak getrusage reports cannot be reset, and a child started by fork or exec begins with its parent's."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb() -> float:
    """This process's peak resident memory since it started, or since ``reset_peak_memory``."""
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_studio(
    folder: Path,
    limits: Limits | None = None,
    max_age: float | None = None,
    server: ServerSettings | None = None,
) -> Iterator[Any]:
    """The studio served on loopback (in this process, with these limits and server settings): yields
    (url, session store)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(folder / "gradio"))
        import app as studio_app

        store = SessionStore(folder / "sessions", **({"max_age": max_age} if max_age else {}))
        demo = studio_app.build_app(store, limits or Limits(), server)
        port = free_port()
        demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True)
        try:
            yield f"http://127.0.0.1:{port}/", store
        finally:
            demo.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's own config file, VIDEOCREATOR_* variables, added voices or servers."""
    for name in list(os.environ):
        if name.startswith(("VIDEOCREATOR_", "OPENAI_", "OLLAMA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(tmp_path_factory.getbasetemp() / "no-config.toml"))
    # The default voices folder (``voices add``'s) is in the user's data folder: an empty one here.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    # "Does the network answer?" goes to a closed loopback port: tests send nothing off this machine.
    monkeypatch.setenv("VIDEOCREATOR_NETWORK_PROBE", "http://127.0.0.1:9/generate_204")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # no Ollama, even on a machine that runs one
    auto.forget()


# ---- a tiny diffusers pipeline (the real loading code, tiny random weights) ---------------------------


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
    require_module("diffusers", "the diffusers backend is an optional install (requirements-test.txt)")
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
