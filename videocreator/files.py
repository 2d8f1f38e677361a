"""Writing files so that a crash, or a power cut, never leaves a half-written one behind.

Each file is written under a temporary name, flushed to the disk, renamed into place, and then the
folder is flushed too (so the rename itself survives a power cut).
"""

from __future__ import annotations

import errno
import glob
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DiskFull
from .stage import Stage

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def temp_name(dest: Path) -> Path:
    """A hidden sibling of ``dest`` with the same extension (tools pick the format from it)."""
    return dest.with_name(f".{dest.stem}.part-{secrets.token_hex(4)}{dest.suffix}")


def _sync(path: Path, flags: int = os.O_RDONLY) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to the disk, where the system allows it."""
    if hasattr(os, "O_DIRECTORY"):  # POSIX; Windows cannot open a folder, and commits renames itself
        _sync(folder, os.O_RDONLY | os.O_DIRECTORY)


@contextmanager
def full_disk_is(stage: Stage | None) -> Iterator[None]:
    """Turn "no space left on device" into a message naming the stage, if any (usable as a decorator);
    a full disk met further in, before any stage was known, is given this one."""
    try:
        yield
    except DiskFull as exc:
        if exc.stage is not None or stage is None:
            raise
        raise DiskFull(exc.where, stage=stage) from exc
    except OSError as exc:
        if exc.errno not in FULL_DISK:
            raise
        raise DiskFull(exc.filename, stage=stage) from exc


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``dest``, on failure it is removed (a full
    disk raises ``DiskFull``)."""
    with full_disk_is(None):
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_name(dest)
        try:
            yield tmp
            _sync(tmp)
            os.replace(tmp, dest)
            sync_folder(dest.parent)
        finally:
            tmp.unlink(missing_ok=True)


def write_bytes(dest: Path, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def write_text(dest: Path, text: str) -> None:
    write_bytes(dest, text.encode("utf-8"))


def write_json(dest: Path, data: Any) -> None:
    write_text(dest, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def drop_older(kept: Path) -> None:
    """Remove the files beside ``kept`` that other versions made for the same thing: named as it is up
    to its last "-" (``NAME-KEY.ext``), with another key (not a "-" in it: ``NAME-more-KEY`` is another
    thing's)."""
    name, _, key = kept.stem.rpartition("-")
    for older in kept.parent.glob(f"{glob.escape(name)}-*{kept.suffix}"):
        other = older.stem[len(name) + 1 :]
        if older != kept and len(other) == len(key) and "-" not in other:
            older.unlink(missing_ok=True)


def remove_partials(folder: Path) -> None:
    """Delete temporary files a killed process left behind."""
    if folder.is_dir():
        for leftover in folder.rglob(".*.part-*"):
            leftover.unlink(missing_ok=True)
