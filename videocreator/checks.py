"""What must be in place before work starts: ffmpeg, the shipped fonts, and room on the disk."""

from __future__ import annotations

import shutil
from pathlib import Path

from .assets import assets_dir, bundled_music
from .errors import BackendUnavailable, NoRoom
from .render import ffmpeg
from .stage import Stage
from .typography import font_files

MIN_FREE_BYTES = 200 * 1024**2
BITS_PER_PIXEL_FRAME = 0.12  # a generous H.264 estimate, segments and final file together


def environment_problems() -> list[str]:
    """Each missing piece, said with what to install; empty when all is well."""
    problems = []
    try:
        ffmpeg.ffmpeg_exe()
    except BackendUnavailable as exc:
        problems.append(str(exc))
    missing = [path.name for path in (*font_files("bold"), *font_files("regular")) if not path.is_file()]
    if missing:
        problems.append(
            f"fonts missing from {assets_dir() / 'fonts'}: {', '.join(missing)} (reinstall VideoCreator)"
        )
    if not bundled_music().is_file():
        problems.append(
            f"the bundled music {bundled_music()} is missing (reinstall VideoCreator, or use --music none)"
        )
    return problems


def needed_bytes(frames: int, width: int, height: int) -> int:
    return int(frames * width * height * BITS_PER_PIXEL_FRAME / 8) + MIN_FREE_BYTES


def ensure_space(folder: Path, needed: int) -> None:
    """Refuse to start a render that would fill the disk half way through."""
    free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    if free < needed:
        raise NoRoom(
            f"only {free / 2**20:,.0f} MB free in {folder}; rendering needs about {needed / 2**20:,.0f} MB",
            stage=Stage.RENDER,
        )
