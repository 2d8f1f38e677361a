"""A narration's recording: WAV files written, read and measured (a file from a zip may lie in its header)."""

from __future__ import annotations

import struct
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..backend import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, Speech
from ..errors import InputError
from ..files import atomic_path

NARRATION_RATES = range(MIN_SAMPLE_RATE, MAX_SAMPLE_RATE + 1)  # the sample rates a narration's WAV may have


def write_wav(path: Path, speech: Speech) -> None:
    pcm = (np.clip(speech.samples, -1.0, 1.0) * 32767).astype("<i2")
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.sample_rate)
        out.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A narration's samples (mono, -1..1) and rate; InputError if it is not a WAV ``wav_seconds`` accepts."""
    with _narration(path) as (src, _):
        rate, channels = src.getframerate(), src.getnchannels()
        held = b"".join(_blocks(src))
    pcm = np.frombuffer(held[: len(held) - len(held) % (2 * channels)], dtype="<i2").astype(np.float32)
    return (pcm / 32768).reshape(-1, channels).mean(axis=1), rate


def wav_seconds(path: Path) -> float:
    """A narration's real length: the frames its file really holds (its header may claim more), found from
    the header and the file's size without reading the audio. An InputError naming the file if it is not a
    16-bit PCM WAV, mono or stereo, at 8 to 192 kHz."""
    with _narration(path) as (src, frames):
        return frames / src.getframerate()


@contextmanager
def _narration(path: Path) -> Iterator[tuple[wave.Wave_read, int]]:
    """``path`` open as a WAV that ``read_wav`` reads, with the number of whole frames the file really
    holds (what its data chunk claims, or fewer where the file ends sooner); or an InputError naming what
    it is not."""
    try:
        with path.open("rb") as file, wave.open(file, "rb") as src:
            if src.getsampwidth() != 2 or src.getnchannels() not in (1, 2):
                raise InputError(f"{path.name} is not a 16-bit mono or stereo WAV")
            if src.getframerate() not in NARRATION_RATES:
                raise InputError(f"{path.name} is not a WAV at 8 to 192 kHz")
            left = path.stat().st_size - file.tell()  # wave.open leaves the file at the audio's start
            yield src, min(src.getnframes(), left // (2 * src.getnchannels()))
    except (wave.Error, EOFError, struct.error) as exc:
        raise InputError(f"{path.name} is not a WAV recording ({str(exc) or 'it ends too soon'})") from None


def _blocks(src: wave.Wave_read) -> Iterator[bytes]:
    """The audio of an open WAV in blocks, as far as the file holds it."""
    while block := src.readframes(1 << 16):
        yield block
