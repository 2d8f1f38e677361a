"""A course, one video per section: the sections as jobs, a runner that makes them (here, in worker
processes; ``cluster.RayRunner`` on a Ray cluster), and the summary table.

A runner takes the jobs and yields each one's result as it finishes (its index in the list, and the
result); a section that fails is a result with its error, never an exception, so the others still finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from . import pipeline
from .errors import InputError, VideoCreatorError
from .project import OwnText, Settings
from .settings import declare_heavy_jobs
from .source import sections, slug


@dataclass(frozen=True)
class SectionJob:
    title: str
    own_text: OwnText
    out: Path
    language: str | None
    settings: Settings


@dataclass(frozen=True)
class SectionResult:
    title: str
    folder: Path
    scenes: int = 0
    seconds: float = 0.0
    error: str = ""


class Runner(Protocol):
    def describe(self, jobs: int) -> str:
        """How the jobs are run, for the first line a batch prints."""
        ...

    def __call__(self, jobs: Sequence[SectionJob]) -> Iterator[tuple[int, SectionResult]]: ...


def section_jobs(course: OwnText, out: Path, *, language: str | None, settings: Settings) -> list[SectionJob]:
    """One job per top-level section of the course's text (each read in its mode, to its length), in
    its own folder of ``out`` named after it."""
    taken: set[str] = set()
    return [
        SectionJob(part.title, replace(course, text=part.text), out / slug(part.title, taken), language,
                   settings)
        for part in sections(course.text)
    ]  # fmt: skip


def make_section_or_raise(
    job: SectionJob, *, raised: tuple[type[VideoCreatorError], ...] = ()
) -> SectionResult:
    """One section made (or continued) in ``job.out``; a person's error is its result, anything else (and
    a person's error of the ``raised`` kinds: a full disk a cluster retries elsewhere) is raised for the
    runner to judge."""
    try:
        folder = pipeline.make_video(
            job.title, job.out, language=job.language, settings=job.settings, own_text=job.own_text
        )
    except VideoCreatorError as exc:
        if isinstance(exc, raised):
            raise
        return SectionResult(job.title, job.out, error=str(exc))
    seconds = sum(scene.duration or 0.0 for scene in folder.project.scenes)
    return SectionResult(job.title, job.out, len(folder.project.scenes), seconds)


def make_section(job: SectionJob) -> SectionResult:
    """One section of a batch (run in a worker process; every error is returned, not raised)."""
    try:
        return make_section_or_raise(job)
    except Exception as exc:  # one section's failure, whatever it is, must not end the others
        return SectionResult(job.title, job.out, error=failure(exc))


def failure(exc: BaseException) -> str:
    """An unexpected exception as a summary's one line."""
    first = next(iter(str(exc).strip().splitlines()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


@dataclass(frozen=True)
class LocalRunner:
    """The sections made on this machine, ``workers`` at a time, each in its own process."""

    workers: int = 1

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise InputError(f"--jobs must be 1 or more, not {self.workers}")

    def describe(self, jobs: int) -> str:
        return f"{jobs} sections, {min(self.workers, jobs)} at a time"

    def __call__(self, jobs: Sequence[SectionJob]) -> Iterator[tuple[int, SectionResult]]:
        with section_processes(self.workers, len(jobs)) as pool:
            running = {pool.submit(make_section, job): n for n, job in enumerate(jobs)}
            for done in as_completed(running):
                job = jobs[running[done]]
                try:
                    result = done.result()
                except Exception as exc:  # a worker that died (killed for memory, say)
                    result = SectionResult(job.title, job.out, error=f"the worker stopped ({exc})")
                yield running[done], result


def section_processes(workers: int, jobs: int) -> ProcessPoolExecutor:
    """The processes that make ``jobs`` sections, ``workers`` at a time; each knows how many run at once
    (``settings.declare_heavy_jobs``), so that its writer's threads share the cores with the others'."""
    at_once = min(workers, jobs)
    return ProcessPoolExecutor(workers, initializer=declare_heavy_jobs, initargs=(at_once,))


def run(jobs: Sequence[SectionJob], runner: Runner, said: Callable[[str], None]) -> list[SectionResult]:
    """Every job made by ``runner``; ``said`` hears the plan, then each section done or failed. The
    results come back in the jobs' order."""
    said(runner.describe(len(jobs)))
    results: dict[int, SectionResult] = {}
    for n, result in runner(jobs):
        said(f"{'failed' if result.error else 'done'}: {result.title}")
        results[n] = result
    return [results[n] for n in range(len(jobs))]


def table(results: Sequence[SectionResult]) -> list[str]:
    """The summary: each section's scenes, length, and its video or why it failed."""
    width = max(len(r.title) for r in results)
    lines = [f"{'section':<{width}}  scenes  length  status"]
    for r in results:
        status = f"failed: {r.error}" if r.error else str(r.folder / "video.mp4")
        lines.append(f"{r.title:<{width}}  {r.scenes:>6}  {r.seconds:>5.0f}s  {status}")
    return lines
