"""Progress of the work: where a stage reports how far it is, the warnings a person should see, and Stop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import Stopped
from .stage import Stage


def _quiet_progress(fraction: float, message: str) -> None:
    del fraction, message


def _quiet_warn(message: str) -> None:
    del message


def _never() -> bool:
    return False


@dataclass
class Reporter:
    """Where a stage reports progress (0..1 with a message) and warnings the user should see.
    ``stopping`` says whether the person asked to stop: the stage running then ends at its next
    report, with ``Stopped`` naming it (what it finished is kept)."""

    progress: Callable[[float, str], None] = _quiet_progress
    warn: Callable[[str], None] = _quiet_warn
    warnings: list[str] = field(default_factory=list)
    stopping: Callable[[], bool] = _never

    def warning(self, message: str) -> None:
        self.warnings.append(message)
        self.warn(message)

    def scaled(self, start: float, end: float) -> Reporter:
        """A reporter for one part of this step: its 0..1 lands in ``start``..``end`` of this one."""
        return Reporter(
            lambda f, m: self.progress(start + (end - start) * f, m), self.warning, stopping=self.stopping
        )

    def side_by_side(self, parts: int) -> list[Reporter]:
        """Reporters for ``parts`` parts of this step done at the same time (in threads): this step is as
        far as their mean, so it never goes back, and says what was last reported."""
        done = [0.0] * parts
        lock = threading.Lock()

        def part(n: int) -> Reporter:
            def progress(fraction: float, message: str) -> None:
                with lock:
                    done[n] = max(done[n], fraction)
                    self.progress(sum(done) / parts, message)

            return Reporter(progress, self.warning, stopping=self.stopping)

        return [part(n) for n in range(parts)]

    def at(self, stage: Stage) -> Reporter:
        """This reporter while ``stage`` runs: a stop asked for meanwhile ends that stage, naming it."""

        def progress(fraction: float, message: str) -> None:
            if self.stopping():
                raise Stopped(stage)
            self.progress(fraction, message)

        return Reporter(progress, self.warning, stopping=self.stopping)


def reporter_at(reporter: Reporter | None, stage: Stage) -> Reporter:
    """``reporter`` (or a quiet one) while ``stage`` runs."""
    return (reporter if reporter is not None else Reporter()).at(stage)
