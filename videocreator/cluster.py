"""A batch's sections as tasks on a Ray cluster: ``videocreator batch FILE --out DIR --cluster HEAD:6379``.

Ray is an optional extra (``pip install -r requirements-cluster.txt``), imported only here, only when a
cluster is asked for. The machines share no disk: each task gets its section's job and, when the
section's folder in DIR already holds a project (an earlier run), that project packed; it makes (or
continues) the section in a temporary folder on whichever machine runs it, and sends the project back
packed, video, captions and render cache included. Here the folder sent back replaces the section's
folder whole, so DIR holds what ``--jobs`` would have made, and a rerun continues from it.

Ray retries a section whose worker process or machine was lost (``max_retries``), and one that failed
with an error a retry on another worker can mend (``retry_exceptions``: the system's, such as a full
temporary disk or too little memory there); a person's error (``VideoCreatorError``) comes back as the
section's failure at once. A section that still fails is a failed line of the summary, like any other.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType

from . import archive, files
from .batch import SectionJob, SectionResult, failure, make_section_or_raise
from .errors import BackendUnavailable, InputError, VideoCreatorError
from .project import PROJECT_FILE, ProjectFolder

RETRIES = 2  # tries after the first, for a lost worker and for a RETRIED error alike
RETRIED = (OSError, MemoryError)
EXTRA = "pip install -r requirements-cluster.txt"
REACH_S = 5.0  # how long the head may take to answer


def _ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(
            f"--cluster runs the sections with Ray, which is not installed here: {EXTRA}", provider="ray"
        ) from None
    return ray


@dataclass(frozen=True)
class Parcel:
    """What a task sends back: the section's result, and its project packed (None if it has none)."""

    result: SectionResult
    packed: bytes | None


def make_remote_section(job: SectionJob, packed: bytes | None) -> Parcel:
    """One section made on a worker, in a folder of its own (a Ray task; the project is continued from
    ``packed`` when an earlier run left one)."""
    with tempfile.TemporaryDirectory(prefix="videocreator-section-") as tmp:
        here = Path(tmp) / "section"
        if packed is not None:
            _unpack(packed, here)
        result = make_section_or_raise(replace(job, out=here))
        back = _pack(ProjectFolder.open(here)) if (here / PROJECT_FILE).is_file() else None
    said_here = result.error.replace(str(here), str(job.out))  # the folder the person knows
    return Parcel(replace(result, folder=job.out, error=said_here), back)


def _pack(folder: ProjectFolder) -> bytes:
    packed = archive.export_zip(folder, folder.root.with_name(f"{folder.root.name}.zip"), cache=True)
    try:
        return packed.read_bytes()
    finally:
        packed.unlink()


def _unpack(packed: bytes, dest: Path) -> None:
    """``packed`` opened into the new folder ``dest``, with the checks of any zip."""
    source = dest.with_name(f".{dest.name}.zip")
    files.write_bytes(source, packed)  # a full disk is said as such
    try:
        archive.import_zip(source, dest, own=True)
    finally:
        source.unlink()


def _packed(folder: Path) -> bytes | None:
    """The project an earlier run left in ``folder``; None for a new section (an error if the folder holds
    something else)."""
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        return None
    return _pack(ProjectFolder.open(folder))


def _put_in_place(packed: bytes, folder: Path) -> None:
    """The section's folder replaced by the one sent back, unpacked beside it first (never half of it)."""
    token = secrets.token_hex(4)
    incoming = folder.with_name(f".{folder.name}.new-{token}")
    old = folder.with_name(f".{folder.name}.old-{token}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    _unpack(packed, incoming)
    if folder.exists():
        folder.rename(old)
    incoming.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class RayRunner:
    """The sections as tasks on the Ray cluster at ``address`` (``HOST:PORT`` of its head; this machine
    is one of the cluster's nodes)."""

    address: str
    retries: int = RETRIES

    def __post_init__(self) -> None:
        _ray()  # both said before any work: the extra missing, and a head that does not answer
        self._check_reachable()

    def describe(self, jobs: int) -> str:
        return f"{jobs} sections, as tasks on the Ray cluster at {self.address}"

    def _check_reachable(self) -> None:
        """A head that does not answer is said at once (Ray itself retries it for a minute, noisily)."""
        host, _, port = self.address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=REACH_S).close()
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not HOST:PORT"
            raise InputError(
                f"cannot reach the Ray cluster at {self.address} ({reason})", provider="ray"
            ) from None

    def __call__(self, jobs: Sequence[SectionJob]) -> Iterator[tuple[int, SectionResult]]:
        ray = _ray()
        with contextlib.redirect_stdout(sys.stderr):  # Ray's notes (a worker lost, a retry) not in the table
            yield from self._tasks(ray, jobs)

    def _tasks(self, ray: ModuleType, jobs: Sequence[SectionJob]) -> Iterator[tuple[int, SectionResult]]:
        try:
            ray.init(address=self.address, logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise InputError(
                f"cannot reach the Ray cluster at {self.address} ({failure(exc)})", provider="ray"
            ) from None
        try:
            task = ray.remote(make_remote_section).options(
                max_retries=self.retries, retry_exceptions=list(RETRIED)
            )
            waiting = {}
            for n, job in enumerate(jobs):
                try:
                    waiting[task.remote(job, _packed(job.out))] = n
                except VideoCreatorError as exc:
                    yield n, SectionResult(job.title, job.out, error=str(exc))
            while waiting:
                (done,), _ = ray.wait(list(waiting), num_returns=1)
                n = waiting.pop(done)
                yield n, _landed(ray, done, jobs[n])
        finally:
            ray.shutdown()


def _landed(ray: ModuleType, done: object, job: SectionJob) -> SectionResult:
    """A finished task's result, its project put in place; its failure once Ray's retries are spent."""
    try:
        parcel: Parcel = ray.get(done)
    except ray.exceptions.RayTaskError as exc:  # the section's own exception, raised on the worker
        return SectionResult(job.title, job.out, error=failure(exc.cause))
    except ray.exceptions.RayError as exc:  # its worker, or that worker's machine, lost every time
        return SectionResult(job.title, job.out, error=f"the worker stopped ({failure(exc)})")
    if parcel.packed is None:
        return parcel.result
    try:
        _put_in_place(parcel.packed, job.out)
    except (VideoCreatorError, OSError) as exc:
        return replace(parcel.result, error=f"sent back, but not put in place here: {exc}")
    return parcel.result
