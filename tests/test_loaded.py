"""The model cache the backends share: loads once under concurrency, keeps the last used, hands out locks."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from videocreator.loaded import ModelCache

THREADS = 8


class Loader:
    """Counts the loads of each key; each takes a while, so that threads asking at once overlap."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.loads: list[str] = []

    def __call__(self, key: str) -> object:
        self.loads.append(key)
        time.sleep(self.seconds)
        return object()


def test_threads_asking_for_one_key_load_it_once():
    cache: ModelCache[str, object] = ModelCache(max_models=2)
    loader = Loader(seconds=0.05)
    start = threading.Barrier(THREADS)

    def ask(_: int) -> object:
        start.wait()
        return cache.get("voice", lambda: loader("voice"))

    with ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(ask, range(THREADS)))
    assert loader.loads == ["voice"]
    assert all(loaded is got[0] for loaded in got)


def test_the_least_recently_used_is_dropped():
    cache: ModelCache[str, object] = ModelCache(max_models=2)
    loader = Loader()

    def get(key: str) -> object:
        return cache.get(key, lambda: loader(key)).model

    a, b = get("a"), get("b")
    assert get("a") is a  # "a" is now the more recently used
    get("c")  # drops "b"
    assert get("a") is a
    assert get("b") is not b
    assert loader.loads == ["a", "b", "c", "b"]


def test_each_model_has_its_own_lock_unless_shared():
    own: ModelCache[str, object] = ModelCache(max_models=2)
    first = own.get("a", object)
    assert own.get("a", object).lock is first.lock
    assert own.get("b", object).lock is not first.lock
    model, lock = first
    assert model is first.model and lock is first.lock

    shared: ModelCache[str, object] = ModelCache(max_models=2, shared_lock=True)
    assert shared.get("a", object).lock is shared.get("b", object).lock


def test_a_failed_load_is_not_kept():
    cache: ModelCache[str, object] = ModelCache(max_models=1)

    def broken() -> object:
        raise OSError("no such model")

    with pytest.raises(OSError):
        cache.get("a", broken)
    assert cache.get("a", lambda: "loaded").model == "loaded"
    with pytest.raises(ValueError):
        ModelCache(max_models=0)
