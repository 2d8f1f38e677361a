"""Writing files so that a crash never leaves a half-written one behind."""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DiskFull

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def temp_name(dest: Path) -> Path:
    """A hidden sibling of ``dest`` with the same extension (tools pick the format from it)."""
    return dest.with_name(f".{dest.stem}.part-{secrets.token_hex(4)}{dest.suffix}")


@contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``dest``, on failure it is removed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(dest)
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def full_disk_is(stage: str) -> Iterator[None]:
    """Turn "no space left on device" into a message naming the stage (usable as a decorator too)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in FULL_DISK:
            raise
        raise DiskFull(exc.filename, stage=stage) from exc


def write_bytes(dest: Path, data: bytes) -> None:
    with atomic_path(dest) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_text(dest: Path, text: str) -> None:
    write_bytes(dest, text.encode("utf-8"))


def write_json(dest: Path, data: Any) -> None:
    write_text(dest, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def remove_partials(folder: Path) -> None:
    """Delete temporary files a killed process left behind."""
    if folder.is_dir():
        for leftover in folder.rglob(".*.part-*"):
            leftover.unlink(missing_ok=True)
