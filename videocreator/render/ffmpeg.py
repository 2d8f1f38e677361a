"""Finding and running ffmpeg (the binary shipped by imageio-ffmpeg, or one on PATH)."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..errors import BackendUnavailable, DiskFull, ProviderFailed, VideoCreatorError
from ..stage import Stage


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        shipped = shutil.which(imageio_ffmpeg.get_ffmpeg_exe())  # None when IMAGEIO_FFMPEG_EXE is wrong
    except (ImportError, RuntimeError):
        shipped = None
    found = shipped or shutil.which("ffmpeg")
    if found:
        return found
    raise BackendUnavailable(
        "ffmpeg not found: pip install imageio-ffmpeg (ships a binary) or install ffmpeg", stage=Stage.RENDER
    )


@lru_cache(maxsize=1)
def encoders() -> frozenset[str]:
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    return frozenset(
        line.split()[1] for line in out.splitlines() if line.startswith(" V") or line.startswith(" A")
    )


def run(args: list[str | Path], *, what: str) -> None:
    """Run ffmpeg to completion; on failure raise with the tail of its own error output."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise failure(what, proc.stderr)


def failure(what: str, stderr: str) -> VideoCreatorError:
    """The error for a failed ffmpeg run, from the tail of its own error output."""
    if "No space left on device" in stderr:
        return DiskFull(f"{what} stopped", stage=Stage.RENDER)
    return ProviderFailed(f"{what} failed: {tail(stderr)}", stage=Stage.RENDER, provider="ffmpeg")


def tail(stderr: str, lines: int = 3) -> str:
    kept = [line.strip() for line in stderr.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "no error output"
