"""Fetching a voice's files over HTTP: each one continued from its ``.part`` file with a Range request after
an interruption, checked against the size and MD5 digest the catalogue gives, and renamed into place only
when whole (the folder flushed, as ``files.py`` does), so a voices folder never holds half a voice.

A connection dropped mid-file is continued at once (up to ``MAX_TRIES`` times, each getting further); a
download stopped otherwise (a Stop, a killed process, a stalled server) keeps its ``.part``, and the next
call continues it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..errors import BackendUnavailable, ProviderFailed
from ..files import sync_folder
from ..limits import MB
from ..stage import Stage

PROVIDER = "piper"

# Waits for a server: to connect, and for each read (a stalled download stops, to be continued later).
TIMEOUT = httpx.Timeout(15.0, read=30.0)
MAX_TRIES = 5


@dataclass(frozen=True)
class Wanted:
    """A file to fetch: from where, to where, and what it must be."""

    url: str
    dest: Path
    size: int
    md5: str

    @property
    def part(self) -> Path:
        """Where it is written until whole: hidden, and not a ``.onnx`` that ``auto`` would find."""
        return self.dest.with_name(f".{self.dest.name}.part")


class Unreachable(BackendUnavailable):
    """The server did not answer at all: no network, a name that does not resolve, a refused port."""


def client() -> httpx.Client:
    # identity: the bytes of the file as the catalogue's size and digest describe them, and as a Range counts
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, headers={"Accept-Encoding": "identity"})


def get_small(session: httpx.Client, url: str, max_bytes: int) -> bytes:
    """The body at ``url`` (a catalogue), refused past ``max_bytes``."""
    body = bytearray()
    try:
        with _reached(url), session.stream("GET", url) as reply:
            _check_status(reply, url)
            for chunk in reply.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise _failed(f"{url} sent more than {max_bytes // MB} MB")
    except httpx.RequestError as exc:
        raise _failed(f"{url} stopped answering ({str(exc) or type(exc).__name__})") from None
    return bytes(body)


def fetch(session: httpx.Client, wanted: Wanted, at: Callable[[int], None]) -> None:
    """Bring ``wanted.part`` to the whole, verified file, continuing what an earlier try left; ``at(n)``
    is told each time the part has grown to ``n`` bytes."""
    wanted.dest.parent.mkdir(parents=True, exist_ok=True)
    if wanted.size == 0:
        wanted.part.touch()  # nothing to ask for
    for _ in range(MAX_TRIES):
        have = _size(wanted.part)
        if have >= wanted.size:
            break
        at(have)
        try:
            with _reached(wanted.url):
                _continue(session, wanted, have, at)
            problem = "the server ended the file early"
        except httpx.RequestError as exc:  # dropped, timed out, garbled: what came is kept
            problem = str(exc) or type(exc).__name__
        if _size(wanted.part) == have:  # no further than the last try: stop here
            raise _stopped(wanted, problem)
    if _size(wanted.part) < wanted.size:
        raise _stopped(wanted, "the connection kept dropping")
    _verify(wanted)


def install(wanted: Wanted) -> None:
    """Rename the verified part into place, durably."""
    os.replace(wanted.part, wanted.dest)
    sync_folder(wanted.dest.parent)


def _continue(session: httpx.Client, wanted: Wanted, have: int, at: Callable[[int], None]) -> None:
    """One request: the rest of the file from byte ``have`` (the whole file when the server cannot send a
    part of it), appended to the part."""
    headers = {"Range": f"bytes={have}-"} if have else {}
    with session.stream("GET", wanted.url, headers=headers) as reply:
        if reply.status_code == 416:  # the part is no beginning of this file: start again
            wanted.part.unlink()
            return
        _check_status(reply, wanted.url)
        resumed = reply.status_code == 206
        if resumed and not reply.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
            raise _failed(f"{wanted.url} sent another part of the file than the one asked for")
        written = have if resumed else 0
        with open(wanted.part, "ab" if resumed else "wb") as out:
            for chunk in reply.iter_bytes():  # as they arrive: none held back when the connection drops
                written += len(chunk)
                if written > wanted.size:
                    break
                out.write(chunk)
                at(written)
            out.flush()
            os.fsync(out.fileno())
    if written > wanted.size:
        wanted.part.unlink()
        raise _failed(
            f"{wanted.dest.name} is larger than the {wanted.size} bytes the catalogue gives: "
            "the download was removed"
        )


def _verify(wanted: Wanted) -> None:
    digest = hashlib.md5(usedforsecurity=False)
    with open(wanted.part, "rb") as part:
        while chunk := part.read(1 << 20):
            digest.update(chunk)
    size = _size(wanted.part)
    if size != wanted.size or digest.hexdigest() != wanted.md5.lower():
        wanted.part.unlink()
        found = f"{size} bytes" if size != wanted.size else f"md5 {digest.hexdigest()}"
        raise _failed(
            f"{wanted.dest.name} failed its checksum ({found}; the catalogue says {wanted.size} bytes, "
            f"md5 {wanted.md5}): the download was removed; run again to fetch it afresh"
        )


@contextmanager
def _reached(url: str) -> Iterator[None]:
    """Turn "no answer at all" into ``Unreachable``, naming the URL."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        raise Unreachable(f"could not reach {url} ({exc})", stage=Stage.VOICE, provider=PROVIDER) from None


def _check_status(reply: httpx.Response, url: str) -> None:
    if not reply.is_success:
        raise _failed(f"{url} answered HTTP {reply.status_code} {reply.reason_phrase}".rstrip())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _stopped(wanted: Wanted, problem: str) -> ProviderFailed:
    got = _size(wanted.part)
    return _failed(
        f"the download of {wanted.dest.name} stopped at {got / MB:.1f} of {wanted.size / MB:.1f} MB "
        f"({problem}): run the same again to continue it"
    )


def _failed(message: str) -> ProviderFailed:
    return ProviderFailed(message, stage=Stage.VOICE, provider=PROVIDER)
