"""One project folder per visitor of a hosted app, under one root, swept when old.

A session's folder is named by an unguessable token that only the server-side session state holds;
folders untouched for longer than ``max_age`` seconds are deleted when a new session starts.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

DEFAULT_MAX_AGE_S = 6 * 3600


def default_root() -> Path:
    return Path(
        os.environ.get("VIDEOCREATOR_SESSIONS") or Path(tempfile.gettempdir()) / "videocreator-sessions"
    )


class SessionStore:
    def __init__(self, root: Path | None = None, max_age: float = DEFAULT_MAX_AGE_S):
        self.root = Path(root) if root is not None else default_root()
        self.max_age = max_age

    def new(self) -> Path:
        """A fresh, empty folder for a new session (and a sweep of abandoned ones)."""
        self.sweep()
        folder = self.root / secrets.token_urlsafe(18)
        folder.mkdir(parents=True)
        return folder

    def owns(self, folder: str | Path) -> bool:
        path = Path(folder).resolve()
        return path.parent == self.root.resolve() and path.is_dir()

    def sweep(self) -> int:
        """Delete session folders not modified for ``max_age`` seconds; return how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - self.max_age
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_dir() and _last_change(folder) < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed


def _last_change(folder: Path) -> float:
    latest = folder.stat().st_mtime
    for path in folder.rglob("*"):
        latest = max(latest, path.stat().st_mtime)
    return latest
