"""A loopback HTTP server that speaks the OpenAI chat-completions protocol, with scripted misbehaviour.

Tests queue what the next requests get (a reply, a streamed reply, an HTTP error, a stall, an empty
answer) and read back what the client sent. The real ``openai`` and ``g4f`` clients talk to it over HTTP.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # seconds to wait before answering (a timeout test)


class FakeLLM:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def queue(self, *replies: Reply | str) -> None:
        self.replies.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                body = json.dumps({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
                self._send(200, body.encode(), "application/json", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                request["_authorization"] = self.headers.get("Authorization")
                fake.requests.append(request)
                reply = (
                    fake.replies.popleft() if fake.replies else Reply(status=500, content="no reply queued")
                )
                if reply.stall:
                    time.sleep(reply.stall)
                if reply.status != 200:
                    error = json.dumps({"error": {"message": reply.content or "error", "type": "fake"}})
                    self._send(reply.status, error.encode(), "application/json", reply.headers)
                elif request.get("stream"):
                    self._stream(request, reply.content)
                else:
                    self._send(
                        200, json.dumps(_completion(request, reply.content)).encode(), "application/json", {}
                    )

            def _stream(self, request: dict[str, Any], content: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [content[i : i + 7] for i in range(0, len(content), 7)] or [""]
                for piece in pieces:
                    chunk = _chunk(request, {"content": piece}, None)
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(
                    f"data: {json.dumps(_chunk(request, {}, 'stop'))}\n\ndata: [DONE]\n\n".encode()
                )
                self.wfile.flush()

        return Handler


def _completion(request: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake-model"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunk(request: dict[str, Any], delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.get("model", "fake-model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
