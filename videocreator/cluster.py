"""A batch's sections as tasks on a Ray cluster: ``videocreator batch FILE --out DIR --cluster HEAD:6379``.

Ray is an optional extra (``pip install -r requirements-cluster.txt``), imported only here, only when a
cluster is asked for. The machines share no disk: each section's project is made here first (or is the
one an earlier run left in its folder in DIR), so the files its settings name (music, a voice recording)
are copied into it here, and it is sent packed when a worker is free for it; the worker continues it in a
temporary folder and sends the project back packed, video, captions and render cache included. Here the
folder sent back replaces the section's folder whole, so DIR holds what ``--jobs`` would have made, and a
rerun continues from it.

Ray retries a section whose worker process or machine was lost (``max_retries``), and one that failed
with an error a retry on another worker can mend (``retry_exceptions``: the system's, such as a full
temporary disk there or too little memory); a person's error (``VideoCreatorError``) comes back as the
section's failure at once. A section that still fails is a failed line of the summary, like any other.
"""

from __future__ import annotations

import contextlib
import errno
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
from typing import Any

from . import archive, files, pipeline
from .batch import SectionJob, SectionResult, failure, make_section_or_raise
from .errors import BackendUnavailable, DiskFull, InputError, NoRoom, VideoCreatorError
from .project import ProjectFolder
from .settings import cores, declare_heavy_jobs

RETRIES = 2  # tries after the first, for a lost worker and for a RETRIED error alike
RETRIED = (OSError, MemoryError)  # a worker's full disk is raised as an OSError (a DiskFull does not pickle)
EXTRA = "pip install -r requirements-cluster.txt"
REACH_S = 5.0  # how long the head may take to answer
AHEAD_PER_CPU = 2  # sections sent (their projects packed, held in Ray's store) per CPU of the cluster


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
    """What a task sends back: the section's result, and its project packed."""

    result: SectionResult
    packed: bytes


def make_remote_section(job: SectionJob, packed: bytes) -> Parcel:
    """One section continued on a worker from its project ``packed``, in a folder of its own (a Ray task);
    a full disk here, or one with too little room for the render, is raised for Ray to retry elsewhere."""
    declare_heavy_jobs(cores())  # a task has one CPU of Ray's: as many sections may run here at once
    with tempfile.TemporaryDirectory(prefix="videocreator-section-") as tmp:
        here = Path(tmp) / "section"
        try:
            _unpack(packed, here)
            result = make_section_or_raise(replace(job, out=here), raised=(DiskFull, NoRoom))
            back = _pack(ProjectFolder.open(here))
        except (DiskFull, NoRoom) as exc:
            worker = f"the disk of the worker on {socket.gethostname()}"
            if isinstance(exc, NoRoom):  # its temporary folder's room, said as its own
                said = f"{worker} has too little room ({str(exc).replace(str(here), tmp)})"
            else:
                said = f"{worker} is full" + (f" ({exc.where})" if exc.where else "")
            raise OSError(errno.ENOSPC, said) from None
    said_here = result.error.replace(str(here), str(job.out))  # the folder the person knows
    return Parcel(replace(result, folder=job.out, error=said_here), back)


def _pack(folder: ProjectFolder) -> bytes:
    """The project zipped with its render cache, in a temporary folder (nothing written beside it)."""
    with tempfile.TemporaryDirectory(prefix="videocreator-pack-") as tmp:
        return archive.export_zip(folder, Path(tmp) / "project.zip", cache=True).read_bytes()


def _unpack(packed: bytes, dest: Path) -> None:
    """``packed`` opened into the new folder ``dest``, with the checks of any zip."""
    source = dest.with_name(f".{dest.name}.zip")
    files.write_bytes(source, packed)  # a full disk is said as such
    try:
        archive.import_zip(source, dest, own=True)
    finally:
        source.unlink()


def _packed(job: SectionJob) -> bytes:
    """The section's project packed for its worker: the one an earlier run left in its folder, or a new
    one made there now, the files its settings name (music, a voice recording) copied in from this
    machine's disk, which the worker cannot read (an error if the folder holds something else)."""
    if job.out.exists() and not (job.out.is_dir() and not any(job.out.iterdir())):
        return _pack(ProjectFolder.open(job.out))
    return _pack(
        pipeline.new_project(
            job.title, job.out, language=job.language, settings=job.settings, own_text=job.own_text
        )
    )


def _put_in_place(packed: bytes, folder: Path) -> None:
    """The section's folder replaced by the one sent back, unpacked beside it first (never half of it;
    the folder as it was if the swap fails)."""
    token = secrets.token_hex(4)
    incoming = folder.with_name(f".{folder.name}.new-{token}")
    old = folder.with_name(f".{folder.name}.old-{token}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    _unpack(packed, incoming)
    try:
        if folder.exists():
            folder.rename(old)
        try:
            incoming.rename(folder)
        except OSError:
            if old.exists():
                old.rename(folder)
            raise
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _said(exc: Exception) -> str:
    return str(exc) if isinstance(exc, VideoCreatorError) else failure(exc)


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

    def _join(self, ray: ModuleType) -> int:
        """This machine joined to the cluster; how many sections to send ahead (whatever Ray raises
        here is one line)."""
        try:
            ray.init(address=self.address, logging_level=logging.ERROR, log_to_driver=False)
            return AHEAD_PER_CPU * max(1, int(ray.cluster_resources().get("CPU", 1)))
        except Exception as exc:
            ray.shutdown()
            raise InputError(
                f"cannot reach the Ray cluster at {self.address} ({failure(exc)})", provider="ray"
            ) from None

    def _tasks(self, ray: ModuleType, jobs: Sequence[SectionJob]) -> Iterator[tuple[int, SectionResult]]:
        ahead = self._join(ray)
        try:
            task = ray.remote(make_remote_section).options(
                max_retries=self.retries, retry_exceptions=list(RETRIED)
            )
            queued = iter(enumerate(jobs))
            waiting: dict[Any, int] = {}
            while True:
                while len(waiting) < ahead and (next_job := next(queued, None)) is not None:
                    n, job = next_job
                    try:
                        waiting[task.remote(job, _packed(job))] = n
                    except Exception as exc:  # its folder, or Ray's store: this section's failed line
                        yield n, SectionResult(job.title, job.out, error=_said(exc))
                if not waiting:
                    return
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
    try:
        _put_in_place(parcel.packed, job.out)
    except (VideoCreatorError, OSError) as exc:
        return replace(parcel.result, error=f"sent back, but not put in place here: {exc}")
    return parcel.result
