"""One project folder per visitor of a hosted app, under one root, swept when old; and what visitors may
keep in the server's upload cache.

A session's folder is named by an unguessable token that only the server-side session state holds;
folders untouched for longer than ``max_age`` seconds are deleted when a new session starts. One change
at a time writes a session's project: a second one meanwhile is refused, naming the first, so a long
step's copy of the project never overwrites an edit made while it ran.

Uploads reach a web server before any session claims them. The ``UploadLedger`` charges each one to its
visitor (their address) before a byte is stored, bounds what all visitors keep at once, and removes
uploads that no session used within minutes.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .limits import MB, PUBLIC_UPLOADS, Limits, UploadLimits
from .project import PROJECT_FILE, ProjectFolder

DEFAULT_MAX_AGE_S = 6 * 3600
PROJECT = "project"  # a session's project folder, inside the session's folder
STAGING = ".new-project"  # where a session's next project is built


class UploadRefused(InputError):
    """An upload refused before it was stored; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int):
        super().__init__(f"upload refused: {message}")
        self.status = status


def visitor_of(address: str) -> str:
    """Whom an upload is charged to: its client's address (an IPv6 address by its /64, which one
    machine usually holds whole)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)  # an IPv4 visitor of a dual-stack server
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


@dataclass
class Charge:
    """One upload request, charged to its visitor when it was admitted."""

    at: float
    size: int
    files: int = 1


@dataclass
class _Upload:
    size: int
    received: float
    claimed: bool = False


class UploadLedger:
    """The uploads in the server's cache: who sent how much lately, which a session used, which to
    remove. Thread-safe; the web server's upload route calls ``admit`` and ``settle``, handlers ``claim``."""

    def __init__(self, limits: UploadLimits = PUBLIC_UPLOADS, clock: Callable[[], float] = time.time):
        self.limits, self.clock = limits, clock
        self._uploads: dict[Path, _Upload] = {}
        self._visitors: dict[str, list[Charge]] = {}
        self._pending = 0  # bytes admitted and still arriving
        self._swept = clock()
        self._lock = threading.Lock()

    def admit(self, visitor: str, size: int) -> Charge:
        """Charge an upload of ``size`` bytes to ``visitor``, or refuse it (``UploadRefused``)."""
        rules = self.limits
        with self._lock:
            now = self.clock()
            recent = self._recent(visitor, now)
            if sum(c.files for c in recent) >= rules.files_per_visitor:
                raise UploadRefused(
                    f"at most {rules.files_per_visitor} files per {rules.window_s / 60:.0f} minutes "
                    "from one visitor here: try again later",
                    429,
                )
            if sum(c.size for c in recent) + size > rules.bytes_per_visitor:
                raise UploadRefused(
                    f"at most {rules.bytes_per_visitor // MB} MB per {rules.window_s / 60:.0f} minutes from "
                    "one visitor here: try again later",
                    429,
                )
            if not self._room_for(size):
                self._sweep(now)
            if not self._room_for(size):
                raise UploadRefused(
                    "the server holds as many uploads as it can just now: try again in a few minutes", 503
                )
            charge = Charge(now, size)
            recent.append(charge)
            self._visitors[visitor] = recent
            self._pending += size
            return charge

    def settle(self, charge: Charge, stored: Iterable[str | Path]) -> None:
        """The admitted upload ended, having stored these files (none when it failed)."""
        paths = [Path(p) for p in stored]
        with self._lock:
            self._pending -= charge.size
            charge.files = max(1, len(paths))
            for path in paths:
                kept = self._uploads.get(path)
                size = path.stat().st_size if path.is_file() else 0
                self._uploads[path] = _Upload(size, self.clock(), claimed=bool(kept and kept.claimed))

    def claim(self, path: str | Path) -> None:
        """A session used this upload: it stays as long as the cache keeps the session's files."""
        with self._lock:
            if upload := self._uploads.get(Path(path)):
                upload.claimed = True

    def held_bytes(self) -> int:
        with self._lock:
            return self._held()

    def unclaimed(self) -> list[Path]:
        with self._lock:
            return [path for path, upload in self._uploads.items() if not upload.claimed]

    def sweep_due(self) -> bool:
        return self.clock() - self._swept >= self.limits.sweep_every_s

    def sweep(self, folder: Path | None = None, now: float | None = None) -> int:
        """Remove uploads no session claimed within ``unclaimed_s`` (and, in the upload ``folder``, files
        an interrupted upload left); forget files the cache removed. Returns how many were removed."""
        with self._lock:
            now = self.clock() if now is None else now
            removed = self._sweep(now)
        if folder is not None and folder.is_dir():
            cutoff = now - self.limits.unclaimed_s
            for leftover in folder.glob("tmp*"):
                if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                    leftover.unlink(missing_ok=True)
                    removed += 1
        return removed

    def _held(self) -> int:
        return self._pending + sum(upload.size for upload in self._uploads.values())

    def _room_for(self, size: int) -> bool:
        rules = self.limits
        return self._held() + size <= rules.cache_bytes and len(self._uploads) < rules.cache_files

    def _recent(self, visitor: str, now: float) -> list[Charge]:
        return [c for c in self._visitors.get(visitor, []) if c.at > now - self.limits.window_s]

    def _sweep(self, now: float) -> int:
        self._swept, removed = self.clock(), 0
        for path, upload in list(self._uploads.items()):
            if not upload.claimed and upload.received < now - self.limits.unclaimed_s:
                path.unlink(missing_ok=True)
                removed += 1
            if not path.exists():
                del self._uploads[path]
                _remove_if_empty(path.parent)
        self._visitors = {v: kept for v in self._visitors if (kept := self._recent(v, now))}
        return removed


def _remove_if_empty(folder: Path) -> None:
    with suppress(OSError):
        folder.rmdir()


def default_root() -> Path:
    return Path(
        os.environ.get("VIDEOCREATOR_SESSIONS") or Path(tempfile.gettempdir()) / "videocreator-sessions"
    )


class SessionStore:
    def __init__(
        self,
        root: Path | None = None,
        max_age: float = DEFAULT_MAX_AGE_S,
        uploads: UploadLimits = PUBLIC_UPLOADS,
    ):
        self.root = Path(root) if root is not None else default_root()
        self.max_age = max_age
        self.uploads = UploadLedger(uploads)
        self._running: dict[Path, str] = {}  # session folder: the change running there
        self._running_lock = threading.Lock()

    def new(self) -> Path:
        """A fresh, empty folder for a new session (and a sweep of abandoned ones)."""
        self.sweep()
        folder = self.root / secrets.token_urlsafe(18)
        folder.mkdir(parents=True)
        return folder

    def owns(self, folder: str | Path) -> bool:
        path = Path(folder).resolve()
        return path.parent == self.root.resolve() and path.is_dir()

    @contextmanager
    def writing(self, session: str | Path | None, what: str) -> Iterator[None]:
        """Hold the session's project while ``what`` changes it; a change meanwhile is refused, naming
        ``what``. A session the store did not create (a new one is made by the change) holds nothing."""
        key = Path(session).resolve() if session and self.owns(session) else None
        if key is None:
            yield
            return
        with self._running_lock:
            if running := self._running.get(key):
                raise InputError(
                    f"this project is busy: {running} is still running, so this change was not made (what "
                    "you typed is still on the page): try again when it ends, or press Stop"
                )
            self._running[key] = what
        try:
            yield
        finally:
            with self._running_lock:
                del self._running[key]

    def project(self, session: str | Path | None, limits: Limits) -> ProjectFolder:
        """The session's project, opened under ``limits``; an error saying how to start one."""
        root = Path(session) / PROJECT if session and self.owns(session) else None
        if root is None or not (root / PROJECT_FILE).is_file():
            raise InputError("write a script (step 1) or open a saved project first")
        return ProjectFolder.open(root, limits)

    def replace_project(
        self, session: Path, build: Callable[[Path], ProjectFolder], limits: Limits
    ) -> ProjectFolder:
        """The session's new project, built beside the old one (``build`` makes it in the folder it is
        given), which it replaces only when it is whole: a refused topic, a bad zip or a stop keeps the
        old project. What building it noted is kept on the folder returned."""
        staging = session / STAGING
        shutil.rmtree(staging, ignore_errors=True)
        try:
            notes = build(staging).notes
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(session / PROJECT, ignore_errors=True)
        staging.rename(session / PROJECT)
        folder = ProjectFolder.open(session / PROJECT, limits)
        folder.notes = notes
        return folder

    def busy(self, session: str | Path | None) -> bool:
        """Whether a change to the session's project is running."""
        with self._running_lock:
            return bool(session) and Path(str(session)).resolve() in self._running

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
