"""Stand-in models that fail inside their worker process as native model code does (a segfault, a hang, an
exit half-way), and backends that run them in place of the real ones.

A stand-in backend is the real backend class with only its model swapped: the worker, the registry, ``auto``
and the writer chain are the real ones. ``use(NAME)`` puts one in place (also from a command line:
``python -c "from tests.model_stand_ins import use; use('segfaulting-voice'); ..."``).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from videocreator import registry
from videocreator.backend import Backend
from videocreator.images.card import CardImages
from videocreator.voices.piper import PiperNarrator
from videocreator.worker import note
from videocreator.writers.local_llm import LocalWriter


def load_nothing(*args: Any) -> None:
    del args


def segfault(model: Any, *args: Any) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def hang(model: Any, *args: Any) -> None:
    time.sleep(3600)


def exit_half_way(model: Any, *args: Any) -> None:
    note("half-way")
    time.sleep(0.2)
    os._exit(3)


def process_id(model: Any, *args: Any) -> int:
    return os.getpid()


def not_data(model: Any, *args: Any) -> Any:
    return os.terminal_size((1, 2))  # an object, not plain data


def fails(model: Any, *args: Any) -> None:
    raise ValueError("the tensor has the wrong shape")


def sends(model: Any, raw: bytes) -> None:
    """Sends ``raw`` as a message of its own, then hangs."""
    from videocreator import worker

    assert worker._conn is not None
    worker._conn.send_bytes(raw)
    time.sleep(3600)


def unpicklable(model: Any, *args: Any) -> Any:
    return threading.Lock()


class SegfaultingWriter(LocalWriter):
    load_model = staticmethod(load_nothing)
    job = staticmethod(segfault)


class HangingWriter(LocalWriter):
    load_model = staticmethod(load_nothing)
    job = staticmethod(hang)

    def budget_s(self, request: Any) -> float:
        return 1.0


class SlowWriter(HangingWriter):
    def budget_s(self, request: Any) -> float:
        return 600.0


class SegfaultingVoice(PiperNarrator):
    load_model = staticmethod(load_nothing)
    job = staticmethod(segfault)


class HangingVoice(PiperNarrator):
    load_model = staticmethod(load_nothing)
    job = staticmethod(hang)


class WaitingPictures(CardImages):
    """The offline illustrator, drawing each card only once a stop is asked for (or after 120 s, a
    safety net): slower than anything it works beside."""

    def make_picture(self, request: Any) -> Any:
        deadline = time.monotonic() + 120
        while not (self.stopping and self.stopping()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return super().make_picture(request)


STAND_INS: dict[str, type[Backend]] = {
    "segfaulting-writer": SegfaultingWriter,
    "hanging-writer": HangingWriter,
    "slow-writer": SlowWriter,
    "segfaulting-voice": SegfaultingVoice,
    "hanging-voice": HangingVoice,
    "waiting-pictures": WaitingPictures,
}


def use(name: str) -> type[Backend]:
    """Register the stand-in ``name`` under its real backend's name; returns the real backend."""
    stand_in = STAND_INS[name]
    real = registry.get(stand_in.stage, stand_in.name)
    registry.unregister(real)
    registry.register(stand_in)
    return real


@contextmanager
def standing_in(name: str) -> Iterator[None]:
    real = use(name)
    try:
        yield
    finally:
        registry.unregister(STAND_INS[name])
        registry.register(real)
