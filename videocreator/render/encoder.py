"""Streaming frames into ffmpeg: raw YUV in, an H.264 elementary stream out.

Segments are raw Annex-B H.264 with identical settings, so they join by plain concatenation, frame-exact,
without re-encoding. Frames are produced in a thread while the previous ones are being encoded.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import numpy as np

from . import ffmpeg

QUEUE_FRAMES = 6
PIPE_BYTES = 1 << 20


@dataclass(frozen=True)
class EncoderSettings:
    codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 21

    def args(self) -> list[str]:
        if self.codec == "h264_nvenc":
            return ["-c:v", "h264_nvenc", "-preset", "p4", "-cq", str(self.crf + 2), "-b:v", "0"]
        return [
            "-c:v",
            "libx264",
            "-preset",
            self.preset,
            "-crf",
            str(self.crf),
            "-bf",
            "0",
            "-profile:v",
            "high",
        ]

    def key(self) -> dict[str, object]:
        return asdict(self)


FINAL = EncoderSettings()
PREVIEW = EncoderSettings(preset="ultrafast", crf=26)


@lru_cache(maxsize=1)
def hardware_codec() -> str | None:
    """h264_nvenc when ffmpeg has it and a GPU answers (a one-frame trial encode), else None."""
    if "h264_nvenc" not in ffmpeg.encoders():
        return None
    trial_args = ["-f", "lavfi", "-i", "color=s=256x256:d=0.1", "-c:v", "h264_nvenc", "-f", "null", "-"]
    trial = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *trial_args],
        capture_output=True,
    )
    return "h264_nvenc" if trial.returncode == 0 else None


def choose(preview: bool) -> EncoderSettings:
    base = PREVIEW if preview else FINAL
    codec = hardware_codec()
    return EncoderSettings(codec=codec, preset=base.preset, crf=base.crf) if codec else base


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """Frames are megabytes: a 1 MiB pipe buffer (Linux) saves thousands of context switches a second."""
    try:
        import fcntl
    except ImportError:  # Windows
        return
    if stream is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def encode_command(width: int, height: int, fps: int, settings: EncoderSettings, dest: Path) -> list[str]:
    return [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
        *settings.args(),
        "-pix_fmt", "yuv420p", "-color_range", "tv", "-colorspace", "smpte170m",
        "-color_primaries", "smpte170m", "-color_trc", "smpte170m",
        "-f", "h264", str(dest),
    ]  # fmt: skip


def encode(
    dest: Path,
    frame_at: Callable[[int], np.ndarray],
    count: int,
    *,
    width: int,
    height: int,
    fps: int,
    settings: EncoderSettings,
    on_frame: Callable[[], None] | None = None,
) -> None:
    """Encode ``count`` I420 frames from ``frame_at(i)`` into the raw H.264 file ``dest``."""
    frames: queue.Queue[np.ndarray | BaseException | None] = queue.Queue(QUEUE_FRAMES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for i in range(count):
                if stop.is_set():
                    return
                frames.put(frame_at(i))
            frames.put(None)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            frames.put(exc)

    proc = subprocess.Popen(
        encode_command(width, height, fps, settings, dest), stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _widen_pipe(proc.stdin)
    producer = threading.Thread(target=produce, name="frames", daemon=True)
    producer.start()
    try:
        while (item := frames.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            proc.stdin.write(memoryview(item))
            if on_frame:
                on_frame()
        proc.stdin.close()
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise ffmpeg.failure("encoding", stderr)
    except BrokenPipeError:
        proc.wait()
        raise ffmpeg.failure("encoding", proc.stderr.read().decode(errors="replace")) from None
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting on a full queue
            try:
                frames.get_nowait()
            except queue.Empty:
                producer.join(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stderr):
            if stream and not stream.closed:
                stream.close()
