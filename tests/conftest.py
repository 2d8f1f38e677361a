"""Shared test helpers: reading back what a user would get (via PyAV, i.e. FFmpeg's own libraries)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from videocreator import auto

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


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads the developer's own config file, VIDEOCREATOR_* variables or servers."""
    for name in list(os.environ):
        if name.startswith(("VIDEOCREATOR_", "OPENAI_", "OLLAMA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("VIDEOCREATOR_CONFIG", str(tmp_path_factory.getbasetemp() / "no-config.toml"))
    # "Does the network answer?" goes to a closed loopback port: tests send nothing off this machine.
    monkeypatch.setenv("VIDEOCREATOR_NETWORK_PROBE", "http://127.0.0.1:9/generate_204")
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")  # no Ollama, even on a machine that runs one
    auto.forget()
