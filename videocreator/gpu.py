"""GPU work on a Hugging Face Space with ZeroGPU hardware, where a GPU is lent only inside functions
decorated with ``spaces.GPU`` (decorated once, when this module is imported, as ZeroGPU expects).
Elsewhere, or without the ``spaces`` package, the work simply runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
GPU_SECONDS = 120  # the longest one piece of GPU work (a picture, a narration) may hold the GPU


def zero_gpu() -> bool:
    """Running on ZeroGPU hardware (Hugging Face sets ``SPACES_ZERO_GPU`` there)."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() not in ("", "0", "false")


def _run(work: Callable[[], T]) -> T:
    return work()


def _lender() -> Callable[[Callable[[], T]], T]:
    if not zero_gpu():
        return _run
    try:
        import spaces
    except ImportError:
        return _run
    return spaces.GPU(duration=GPU_SECONDS)(_run)


_on_gpu = _lender()


def on_gpu(work: Callable[[], T]) -> T:
    """``work()``, with a GPU lent for it where the hardware lends them per call."""
    return _on_gpu(work)
