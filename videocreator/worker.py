"""A model's own process: native model code runs in a worker process that the library owns.

llama.cpp or onnxruntime can crash (a segfault on a CPU it mis-detects), abort, be killed for memory or hang.
In the server's own process any of these would end every visitor's session; in a worker it ends one
request. A ``ModelWorker`` starts its process when first used, loads the model there once, and runs jobs on
it; a crash, an exit or a job past its time budget becomes a ``ProviderFailed`` naming the stage and the
provider, and the next job starts a fresh process.

What comes back from a worker is data: the reply is unpickled with only plain containers, numbers, text and
numpy arrays allowed, and the backend validates it like any other input. A job is a plain function
``job(model, *args)`` named by reference (``module:name``); it may call ``note(data)`` to report progress.
Run in-process (the bench does), ``note`` does nothing.

The process is started with ``python -c`` calling ``serve`` (not multiprocessing's spawn, which would
import the server's ``__main__``, the whole studio, into every worker). It ends with the parent: at exit,
when its connection closes, and when it sees its parent gone while a job runs.

A process starts at the CPU priority of the thread that starts it, and on Linux a thread has its own (the
studio lowers a heavy job's), which an unprivileged process cannot raise again. A worker serves every job
after the one that started it, so the processes are started by one thread of their own, made by the first
thread to ask (``launch_from_here``: the studio's, before a heavy job lowers its priority): every worker
runs at that thread's priority, whichever job started it.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import io
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import BackendUnavailable, InputError, ProviderFailed, Stopped, VideoCreatorError
from .stage import Stage

# What a worker's reply may hold besides plain containers, text and numbers: numpy arrays.
DATA_GLOBALS = frozenset(
    {
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.numeric", "_frombuffer"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "_reconstruct"),
    }
)
# Errors a job may raise that keep their kind on the way back (any other is a ProviderFailed).
ERRORS: dict[str, type[VideoCreatorError]] = {
    cls.__name__: cls for cls in (InputError, BackendUnavailable, ProviderFailed)
}
SERVE = "import sys; from videocreator.worker import serve; serve(int(sys.argv[1]))"
log = logging.getLogger(__name__)
POLL_S = 0.1  # how often a waiting caller looks at its stop button
STOP_GRACE_S = 2.0  # how long a stopped worker may take to exit before it is killed


class _DataOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in DATA_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not data")


def _reply(raw: bytes) -> Any:
    return _DataOnly(io.BytesIO(raw)).load()


def reference(function: Callable[..., Any]) -> str:
    """``module:name`` of a module-level function, as a worker imports it."""
    return f"{function.__module__}:{function.__qualname__}"


def _resolve(ref: str) -> Callable[..., Any]:
    module, _, name = ref.partition(":")
    target: Any = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_live: weakref.WeakSet[ModelWorker] = weakref.WeakSet()
_launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model workers' launcher")
_launcher_made = threading.Lock()
_launcher_ready = False


def launch_from_here() -> None:
    """Make the thread that starts the workers' processes from this thread, at its CPU priority, unless
    it is made already (by the first call, or by the first worker started)."""
    global _launcher_ready
    with _launcher_made:
        if not _launcher_ready:
            _launcher.submit(int).result()  # the executor makes its one thread with its first job, here
            _launcher_ready = True


def _launched(start: Callable[[], Any]) -> Any:
    """``start()`` (a process started) in the launcher's thread, at its priority."""
    launch_from_here()
    return _launcher.submit(start).result()


class ModelWorker:
    """One model in a process of its own: ``run(job, *args, budget_s=...)`` runs ``job(model, *args)``
    there. ``load(*load_args)`` makes the model when the process starts. One job runs at a time; callers
    that share a worker hold the lock it is kept with (``loaded.ModelCache``)."""

    def __init__(
        self,
        load: Callable[..., Any],
        *load_args: Any,
        stage: Stage,
        provider: str,
        load_budget_s: float = 120.0,
    ) -> None:
        self.load, self.load_args = reference(load), load_args
        self.stage, self.provider = stage, provider
        self.load_budget_s = load_budget_s
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._state = threading.Lock()  # guards _process/_conn, _running and _retired
        self._running = False
        self._retired = False
        _live.add(self)

    @property
    def pid(self) -> int | None:
        """The worker process's id, while it runs."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def run(
        self,
        job: Callable[..., Any],
        *args: Any,
        budget_s: float,
        on_note: Callable[[Any], None] | None = None,
        stopping: Callable[[], bool] | None = None,
    ) -> Any:
        """``job(model, *args)`` in the worker: its reply (data only), or the error it ended in. A job
        past ``budget_s`` seconds (a new process has ``load_budget_s`` before that to load the model) is
        ended with its process; so is one whose ``on_note`` raises (a Stop asked for) or whose
        ``stopping()`` turns true."""
        with self._state:
            self._running = True
        try:
            conn, fresh = self._connection(job, args)
            kind, payload = self._wait(conn, budget_s, fresh, on_note, stopping)
            if kind == "unloaded":  # the model did not load: the next run tries again
                self.stop()
        except BaseException:
            self.stop()
            raise
        finally:
            with self._state:
                self._running = False
                retired = self._retired
            if retired:
                self.stop()
        if kind == "done":
            return payload
        name, detail = payload
        raise ERRORS.get(name, ProviderFailed)(str(detail), stage=self.stage, provider=self.provider)

    def _connection(self, job: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Connection, bool]:
        """The worker's connection with the job sent, and whether its process is new (a worker that died
        while idle, e.g. killed for memory, is started again)."""
        request = ("run", reference(job), args)
        with self._state:
            if self._conn is not None:
                try:
                    self._conn.send(request)
                    return self._conn, False
                except OSError:
                    pass
        self.stop()
        with self._state:
            self._start()
            assert self._conn is not None
            self._conn.send(request)
            return self._conn, True

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        try:
            self._process = _launched(
                functools.partial(
                    subprocess.Popen,
                    [sys.executable, "-c", SERVE, str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONPATH": path},
                    start_new_session=True,  # a Ctrl+C in the terminal is the server's to handle
                )
            )
        except OSError as exc:
            ours.close()
            raise ProviderFailed(
                f"could not start the model's process: {exc}", stage=self.stage, provider=self.provider
            ) from None
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._conn.send(("load", list(sys.path), self.load, self.load_args))

    def _wait(
        self,
        conn: Connection,
        budget_s: float,
        loading: bool,
        on_note: Callable[[Any], None] | None,
        stopping: Callable[[], bool] | None,
    ) -> tuple[str, Any]:
        """The job's reply: ("done", result), or ("error" or "unloaded", (error's kind, detail)). A new
        process has ``load_budget_s`` to load its model, then the job its own budget."""
        deadline = time.monotonic() + (self.load_budget_s if loading else budget_s)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = f"load within {self.load_budget_s:.0f}" if loading else f"finish within {budget_s:.0f}"
                raise self._failed(f"the model did not {what} s; its process was stopped")
            if stopping is not None and stopping():
                raise Stopped(self.stage)
            if not conn.poll(min(POLL_S, remaining)):
                continue
            try:
                raw = conn.recv_bytes()
            except (EOFError, OSError):
                raise self._failed(self._ending()) from None
            kind, payload = self._message(raw)
            if kind == "loaded" and loading:
                loading, deadline = False, time.monotonic() + budget_s
            elif kind == "note":
                if on_note is not None:
                    on_note(payload)
            elif kind == "done":
                return kind, payload
            elif kind in ("error", "unloaded") and _is_error(payload):
                failure, detail, trace = payload
                if trace:
                    log.warning("%s (%s), in the model's process:\n%s", self.stage, self.provider, trace)
                return kind, (failure, detail)
            else:
                raise self._failed("the model's process sent back an unknown message")

    def _message(self, raw: bytes) -> tuple[str, Any]:
        """A message from the worker as (its kind, its payload), holding data only."""
        try:
            message = _reply(raw)
        except Exception as exc:  # whatever the bytes were, they are not a message of ours
            raise self._failed(f"the model's process sent back something that is not data ({exc})") from None
        if not (isinstance(message, tuple) and len(message) == 2 and isinstance(message[0], str)):
            raise self._failed("the model's process sent back an unknown message")
        return message[0], message[1]

    def _failed(self, detail: str) -> ProviderFailed:
        return ProviderFailed(detail, stage=self.stage, provider=self.provider)

    def _ending(self) -> str:
        """How the worker's process ended, said for a person."""
        process = self._process
        try:
            code = process.wait(timeout=STOP_GRACE_S) if process is not None else None
        except subprocess.TimeoutExpired:
            code = None
        how = (
            f"crashed ({_signal_name(-code)}{', perhaps out of memory' if code == -signal.SIGKILL else ''})"
            if code is not None and code < 0
            else f"exited with code {code}"
            if code is not None
            else "closed its connection"
        )
        return f"the model's process {how} while working; the next request starts a new one"

    def retire(self) -> None:
        """Stop the worker now, or when the job it runs ends (a model cache dropped it)."""
        with self._state:
            self._retired = True
            running = self._running
        if not running:
            self.stop()

    def stop(self) -> None:
        """End the worker's process (the model with it); the next ``run`` starts a new one."""
        with self._state:
            process, conn = self._process, self._conn
            self._process = self._conn = None
        if conn is not None:
            conn.close()  # an idle worker exits when its connection closes
        if process is None:
            return
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            process.kill()  # busy (or hung) in native code
            process.wait()


@atexit.register
def _stop_all() -> None:
    for worker in list(_live):
        worker.stop()


# ---- the worker's side ------------------------------------------------------------------------------

_conn: Connection | None = None


def note(data: Any) -> None:
    """From a job in a worker: report progress (data) to the caller. Elsewhere, nothing."""
    if _conn is not None:
        _conn.send_bytes(pickle.dumps(("note", data), protocol=pickle.HIGHEST_PROTOCOL))


def _send(message: tuple[Any, ...]) -> None:
    assert _conn is not None
    _conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _error(exc: BaseException, doing: str) -> tuple[str, str, str]:
    """An exception as (its kind, one line, its traceback): the person gets the line, the caller's log the
    traceback of an error that is not one of ours."""
    if isinstance(exc, VideoCreatorError):
        return (type(exc).__name__, exc.detail, "")
    trace = "".join(traceback.format_exception(exc))
    return ("ProviderFailed", f"{doing}: {type(exc).__name__}: {exc}", trace)


def _is_error(payload: Any) -> bool:
    return isinstance(payload, tuple) and len(payload) == 3 and all(isinstance(part, str) for part in payload)


def _watch_parent(parent: int) -> None:
    """End this process when the server that started it is gone, even in the middle of a job."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def serve(fd: int) -> None:
    """The worker's loop: load the model, then run jobs until the connection closes."""
    global _conn
    _conn = Connection(fd)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    model: Any = None
    failure: BaseException | None = None
    while True:
        try:
            message = _conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "load":
            _, path, load, load_args = message
            sys.path[:] = path
            try:
                model = _resolve(load)(*load_args)
            except Exception as exc:
                failure = exc
            else:
                _send(("loaded", None))
            continue
        _, job, args = message
        if failure is not None:
            _send(("unloaded", _error(failure, "the model could not be loaded")))
            continue
        try:
            reply = pickle.dumps(("done", _resolve(job)(model, *args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            _send(("error", _error(exc, "the model failed")))
        else:
            _conn.send_bytes(reply)
