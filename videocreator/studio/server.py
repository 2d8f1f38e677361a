"""The studio's server: the page's Blocks with the upload limit, and on a public server a guard in front of
Gradio's routes (each upload charged to its visitor before it is stored, no file fetched from a URL) and
a sweep of the uploads no session used."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import gradio as gr
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError
from ..files import FULL_DISK
from ..limits import MB, Limits
from ..sessions import Charge, UploadLedger, UploadRefused, visitor_of

log = logging.getLogger("videocreator.studio")
UPLOAD_ROUTE = "/gradio_api/upload"
MULTIPART_SLACK = 64 * 1024  # the form's own bytes around an uploaded file
MAX_CALL_BYTES = 4 * MB  # a call's JSON on a public server (50,000 characters of text fit many times)
SWEEP_TICK_S = 1.0  # how often the server asks whether uploads are due a sweep


class StudioBlocks(gr.Blocks):
    """The studio's page. Started with ``launch`` (as app.py and a Space start it), its server refuses
    files over the upload limit, and on a public server checks every upload and call (``UploadGuard``)
    and sweeps the uploads no session used; mounted in another app with ``gr.mount_gradio_app``, it has
    neither: add them there."""

    def __init__(self, limits: Limits, uploads: UploadLedger, **kwargs: Any):
        super().__init__(**kwargs)
        self.limits, self.uploads = limits, uploads

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("max_file_size", self.limits.max_upload_bytes)
        if self.limits.public:
            app_kwargs = dict(kwargs.get("app_kwargs") or {})
            if "lifespan" in app_kwargs:
                raise ValueError("the studio's server runs its own lifespan (sweeping uploads)")
            guard = Middleware(UploadGuard, ledger=self.uploads, limits=self.limits)
            app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), guard]
            app_kwargs["lifespan"] = sweeping(self.uploads)
            kwargs["app_kwargs"] = app_kwargs
        return super().launch(*args, **kwargs)


def sweeping(uploads: UploadLedger) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The server's lifespan: every ``sweep_every_s`` the uploads no session used in time are removed."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async def sweep_forever() -> None:
            while True:
                await asyncio.sleep(SWEEP_TICK_S)
                if uploads.sweep_due():
                    await anyio.to_thread.run_sync(uploads.sweep, Path(app.uploaded_file_dir))

        task = asyncio.create_task(sweep_forever())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


class UploadGuard:
    """ASGI middleware in front of Gradio's routes: each upload is charged to its visitor before a byte of
    it is stored, and refused, with a one-line reason, past the public server's limits (per file, per
    visitor, server-wide) or on a full disk; the files it stored are recorded in the ledger. A call that
    names a file by URL (which Gradio would download, past every limit) is refused."""

    def __init__(self, app: ASGIApp, ledger: UploadLedger, limits: Limits):
        self.app, self.ledger, self.limits = app, ledger, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            if scope["path"].endswith(UPLOAD_ROUTE):
                charge = self.ledger.admit(visitor_of(client_address(scope)), self._size(scope))
            else:
                await self._no_remote_files(scope, receive, send)
                return
        except UploadRefused as exc:
            await _answer(send, exc.status, str(exc))
            return
        await self._store(charge, scope, receive, send)

    async def _no_remote_files(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A call whose inputs name a file by URL would have the server download it, past every limit:
        refused, whatever its Content-Type. Other calls go on with their body as it came."""
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if len(body) > MAX_CALL_BYTES:
                raise UploadRefused(f"a call of over {MAX_CALL_BYTES // MB} MB", 413)
            if not message.get("more_body"):
                break
        try:  # whatever its Content-Type says: FastAPI reads a body without one as JSON too
            named = remote_files(json.loads(body))
        except ValueError:  # not JSON (a form, a file): Gradio's own parsers take it
            named = False
        except RecursionError:
            raise UploadRefused("a call nested too deep", 400) from None
        if named:
            raise UploadRefused("files are uploaded here, never fetched from a URL", 400)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _size(self, scope: Scope) -> int:
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if not declared.isdigit():
            raise UploadRefused("an upload must say its size (Content-Length)", 411)
        size = int(declared)
        try:
            self.limits.check_upload(max(0, size - MULTIPART_SLACK), "upload", None)
        except InputError as exc:
            raise UploadRefused(str(exc), 413) from None
        return size

    async def _store(self, charge: Charge, scope: Scope, receive: Receive, send: Send) -> None:
        """Let Gradio store the upload, reading the paths it answers with."""
        status, body = [0], bytearray()

        async def reading(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif status[0] == 200:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, reading)
        except OSError as exc:
            if exc.errno not in FULL_DISK or status[0]:
                raise
            log.error("an upload stopped: %s", exc)
            refused = UploadRefused("the server's disk is full: please try again later", 507)
            await _answer(send, refused.status, str(refused))
        finally:
            self.ledger.settle(charge, _stored(body) if status[0] == 200 else [])


def _stored(body: bytes) -> list[str]:
    """The paths Gradio's upload route answered with (none, when its answer is not such a list)."""
    try:
        paths = json.loads(body)
    except ValueError:
        return []
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def _header(scope: Scope, name: bytes) -> bytes:
    return dict(scope["headers"]).get(name, b"")


def client_address(scope: Scope) -> str:
    """The visitor's address. On a Hugging Face Space every connection comes from its proxy, which adds
    the address it saw at the end of X-Forwarded-For (what stands before it, the visitor may have
    written); elsewhere the connection's own address."""
    forwarded = _header(scope, b"x-forwarded-for").decode("latin-1")
    if os.environ.get("SPACE_ID") and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return str((scope.get("client") or ("?",))[0])


def remote_files(value: Any) -> bool:
    """Whether a call's inputs name a file by URL (http, https, data): Gradio would fetch it itself."""
    if isinstance(value, dict):
        for key in ("path", "url"):
            named = value.get(key)
            if isinstance(named, str) and named.strip().lower().startswith(("http:", "https:", "data:")):
                return True
        return any(remote_files(item) for item in value.values())
    if isinstance(value, list):
        return any(remote_files(item) for item in value)
    return False


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
