"""Models loaded once and kept for reuse: the small cache every model backend keeps its models in.

Loading a model (a diffusion pipeline, a voice, a GGUF) takes seconds and memory, so a backend keeps the few
it used last, each with the lock to hold while using it, for models that must not run in two threads at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Loaded(NamedTuple, Generic[T]):
    """A loaded model and the lock to hold while using it."""

    model: T
    lock: threading.Lock


class ModelCache(Generic[K, T]):
    """Up to ``max_models`` models by key, each loaded once; the least recently used is dropped first.

    Loading holds the cache's lock: two threads asking for one key load it once, and one model loads at a
    time. Each model has a lock of its own, or with ``shared_lock`` the cache's lock: then only one of the
    cache's models loads or runs at a time. ``drop`` is called with each model the bound drops (a model
    worker is retired: its process ends when its job does). The locks are not reentrant: never call
    ``get`` while holding one, nor from ``load``.
    """

    def __init__(
        self, max_models: int, *, shared_lock: bool = False, drop: Callable[[T], None] | None = None
    ) -> None:
        if max_models < 1:
            raise ValueError("a model cache keeps at least one model")
        self.max_models = max_models
        self.shared_lock = shared_lock
        self.drop = drop
        self._lock = threading.Lock()
        self._models: OrderedDict[K, Loaded[T]] = OrderedDict()

    def get(self, key: K, load: Callable[[], T]) -> Loaded[T]:
        """The model kept for ``key``, or the one ``load()`` returns, kept from now on."""
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
            else:
                lock = self._lock if self.shared_lock else threading.Lock()
                self._models[key] = Loaded(load(), lock)
                if len(self._models) > self.max_models:
                    _, dropped = self._models.popitem(last=False)
                    if self.drop is not None:
                        self.drop(dropped.model)
            return self._models[key]
