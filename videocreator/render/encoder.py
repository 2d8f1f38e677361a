"""Streaming frames into ffmpeg: raw YUV in, raw H.264 pieces out.

All the pieces a render needs are encoded back to back in one ffmpeg run, each starting on a forced IDR
frame, and the output stream is cut into one file per piece. Pieces share identical settings, so pieces
from different runs join by plain concatenation, frame-exact, without re-encoding. Frames are made and
written while ffmpeg encodes the previous ones in its own process, and the output is read in a thread.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import numpy as np

from . import ffmpeg
from .annexb import StreamCutter, StreamError

PIPE_BYTES = 1 << 20


# Hardware H.264 encoders, in order of preference, each with constant-quality settings, no B-frames
# (frames leave in the order they came: pieces cut and timed by frame count) and forced key frames
# as IDR frames (each piece decodes on its own). Each one is tried on a few frames before use.
HARDWARE = ("h264_nvenc", "h264_qsv", "h264_videotoolbox")


@dataclass(frozen=True)
class EncoderSettings:
    codec: str = "libx264"
    preset: str = "veryfast"
    crf: int = 21

    def args(self) -> list[str]:
        quality = str(self.crf + 2)  # the hardware encoders' scales run a little finer than x264's CRF
        own = {
            # SPS and PPS before every IDR frame, so that each piece decodes on its own
            "libx264": ["-preset", self.preset, "-crf", str(self.crf), "-profile:v", "high",
                        "-forced-idr", "1", "-x264-params", "repeat-headers=1"],
            "h264_nvenc": ["-preset", "p4", "-cq", quality, "-b:v", "0", "-forced-idr", "1"],
            "h264_qsv": ["-preset", "medium", "-global_quality", quality, "-forced_idr", "1"],
            "h264_videotoolbox": ["-q:v", str(100 - 2 * self.crf)],  # its key frames are IDR frames
        }  # fmt: skip
        return ["-c:v", self.codec, "-bf", "0", *own[self.codec]]

    def key(self) -> dict[str, object]:
        return asdict(self)


FINAL = EncoderSettings()
PREVIEW = EncoderSettings(preset="ultrafast", crf=26)


def works(settings: EncoderSettings) -> bool:
    """Whether this ffmpeg and machine encode with ``settings``: a trial on a few frames, with a forced
    key frame, through the same arguments a render uses (an encoder listed but without its hardware,
    or refusing an option, fails here and is not used)."""
    trial = [
        "-f", "lavfi", "-i", "color=s=256x256:r=30:d=0.2", *settings.args(),
        "-force_key_frames", "expr:eq(n,3)", "-pix_fmt", "yuv420p", "-f", "null", "-",
    ]  # fmt: skip
    command = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", *trial]
    return subprocess.run(command, capture_output=True, timeout=60).returncode == 0


@lru_cache(maxsize=1)
def hardware_codec() -> str | None:
    """The first hardware encoder that ffmpeg has and that works here, else None (libx264)."""
    listed = ffmpeg.encoders()
    return next((c for c in HARDWARE if c in listed and works(EncoderSettings(codec=c))), None)


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


def encode_command(
    width: int, height: int, fps: int, settings: EncoderSettings, dest: str, *, keyframes: Sequence[int] = ()
) -> list[str]:
    """ffmpeg reading raw I420 frames on stdin, writing raw H.264 to ``dest`` (``-`` for stdout), with
    IDR frames forced at the frame numbers ``keyframes``."""
    forced = ["-force_key_frames", "expr:" + "+".join(f"eq(n,{n})" for n in keyframes)]
    return [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-",
        *settings.args(), *(forced if keyframes else []),
        "-pix_fmt", "yuv420p", "-color_range", "tv", "-colorspace", "smpte170m",
        "-color_primaries", "smpte170m", "-color_trc", "smpte170m",
        "-flush_packets", "1", "-f", "h264", dest,  # each frame out as soon as it is encoded
    ]  # fmt: skip


def first_frames(counts: Sequence[int]) -> list[int]:
    """The first frame of each piece, for pieces of ``counts`` frames encoded back to back."""
    return [0, *itertools.accumulate(counts)][: len(counts)]


@dataclass(frozen=True)
class Piece:
    """``frames`` frames from ``frame_at(i)``, to be encoded into the raw H.264 file ``dest``."""

    dest: Path
    frames: int
    frame_at: Callable[[int], np.ndarray]


def encode(
    pieces: list[Piece],
    *,
    width: int,
    height: int,
    fps: int,
    settings: EncoderSettings,
    on_frame: Callable[[int], None] | None = None,
) -> None:
    """Encode ``pieces`` in one ffmpeg run; each file appears (atomically) once its last frame is out.

    ``on_frame(n)`` is called as each frame of piece ``n`` goes to the encoder; an exception it raises
    (a stop) ends the run, keeping the pieces already finished. One run rather than one per piece keeps
    the encoder's threads busy across the joins: no start-up and drain per piece. Each frame is made and
    written into the pipe in turn: ffmpeg queues the frames it has read while x264 encodes in its own
    threads, so no queue of frames (and no thread handing them over) is needed on this side.
    """
    cutter = StreamCutter([(piece.dest, piece.frames) for piece in pieces])
    failed: list[BaseException] = []

    def cut() -> None:
        try:
            while chunk := proc.stdout.read1(PIPE_BYTES):
                cutter.feed(chunk)
        except BaseException as exc:  # a full disk, say: end the run, the main thread re-raises it
            failed.append(exc)
            proc.kill()

    keyframes = first_frames([piece.frames for piece in pieces])
    command = encode_command(width, height, fps, settings, "-", keyframes=keyframes)
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _widen_pipe(proc.stdin)
    reader = threading.Thread(target=cut, name="cut", daemon=True)
    reader.start()
    try:
        try:
            for n, piece in enumerate(pieces):
                for i in range(piece.frames):
                    proc.stdin.write(memoryview(piece.frame_at(i)))
                    if on_frame:
                        on_frame(n)
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg ended early: its exit status and error output say why
        reader.join()
        stderr = proc.stderr.read().decode(errors="replace")
        if failed:
            raise failed[0]
        if proc.wait() != 0:
            raise ffmpeg.failure("encoding", stderr)
        cutter.finish()
    except StreamError as exc:
        raise ffmpeg.failure("encoding", str(exc)) from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
        cutter.abort()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream and not stream.closed:
                stream.close()
