"""A loopback LLM endpoint that speaks the OpenAI chat-completions and Ollama `/api/chat`
shapes, for tests and benchmarks.

It records every request exactly as received (bytes on the wire, headers, body) and answers
according to `mode`: a good answer, garbage, JSON that breaks the output contract, a 500, or
a hang (until the server stops) so the client's timeout fires.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("good", "garbage", "contract", "error", "hang")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    wire_in: int = 0  # bytes the server read for this request (request line, headers, body)
    wire_out: int = 0  # bytes the server wrote in answer


def signal_ids(body: dict[str, Any]) -> list[str]:
    """The signal ids the client offered, read from the JSON data block of its prompt."""
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    return re.findall(r'"id": ?"(s\d+)"', text)


def good_tips(body: dict[str, Any]) -> str:
    ids = signal_ids(body)
    first = ids[:1]
    return json.dumps(
        {
            "tips": [
                {
                    "text": "Take a ten-minute walk before your next task.",
                    "kind": "advice",
                    "category": "movement",
                    "signal_ids": first,
                },
                {
                    "text": "Drink a glass of water and stretch your shoulders.",
                    "kind": "advice",
                    "category": "rest",
                    "signal_ids": [],
                },
            ]
        }
    )


def contract_breaking(body: dict[str, Any]) -> str:
    too_long = "Write " + "very " * 40 + "much."
    return json.dumps(
        {
            "tips": [
                {"text": too_long, "kind": "advice", "category": "work", "signal_ids": []},
                {"text": "Visit https://evil.example now", "kind": "advice", "category": "x"},
                {"text": "Bold <b>move</b>", "kind": "advice", "category": "work"},
                {"text": "Ring\x07the bell", "kind": "advice", "category": "work"},
                {"text": "A fine tip.", "kind": "poem", "category": "work"},
                {"text": "Cite it.", "kind": "todo", "category": "work", "signal_ids": ["x:1"]},
                {"text": "Plan the week on paper.", "kind": "todo", "category": "planning"},
                "not an object",
            ]
        }
    )


class _Counting(io.RawIOBase):
    def __init__(self, inner: Any, count: list[int]) -> None:
        self.inner = inner
        self.count = count

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read1(len(buffer)) if hasattr(self.inner, "read1") else b""
        buffer[: len(data)] = data
        self.count[0] += len(data)
        return len(data)


class LLMServer:
    """`with LLMServer() as server:`; `server.base_url` for OpenAI (`/v1`) and Ollama."""

    def __init__(self, mode: str = "good", reply: Callable[[dict[str, Any]], str] | None = None):
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.reply = reply or good_tips
        self.received: list[Received] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self._in = [0]
                self.rfile = io.BufferedReader(_Counting(self.rfile, self._in))

            def log_message(self, *args: Any) -> None:
                pass

            def handle_one_request(self) -> None:
                self._in[0] = 0
                super().handle_one_request()

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, payload: bytes, rec: Received) -> None:
                head = (
                    f"HTTP/1.1 {status} {self.responses[status][0]}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n"
                ).encode()
                self.wfile.write(head + payload)
                self.wfile.flush()
                rec.wire_out = len(head) + len(payload)

            def _handle(self) -> None:
                body = self._body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                rec = Received(self.command, self.path, headers, body)
                rec.wire_in = self._in[0]
                with server._lock:
                    server.received.append(rec)
                try:
                    request = json.loads(body) if body else {}
                except ValueError:
                    request = {}
                if self.path == "/api/show":
                    info = {"model_info": {"general.architecture": "qwen2"}, "template": ""}
                    self._send(200, json.dumps(info).encode(), rec)
                    return
                if self.path == "/api/tags":
                    self._send(200, json.dumps({"models": []}).encode(), rec)
                    return
                if server.mode == "hang":
                    server._stop.wait(30)
                    self.close_connection = True
                    return
                if server.mode == "error":
                    self._send(500, b'{"error": "model exploded"}', rec)
                    return
                if server.mode == "garbage":
                    content = "Sure! Here are some tips: drink water, sleep more :)"
                elif server.mode == "contract":
                    content = contract_breaking(request)
                else:
                    content = server.reply(request)
                model = request.get("model", "m")
                if self.path.startswith("/v1/chat/completions") or self.path.startswith(
                    "/chat/completions"
                ):
                    answer: dict[str, Any] = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 1700000000,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                elif self.path == "/api/chat":
                    answer = {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": content},
                        "done": True,
                        "done_reason": "stop",
                        "prompt_eval_count": 10,
                        "eval_count": 10,
                    }
                else:
                    self._send(404, b'{"error": "not found"}', rec)
                    return
                self._send(200, json.dumps(answer).encode(), rec)

            do_POST = _handle
            do_GET = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def bodies(self) -> list[bytes]:
        with self._lock:
            return [r.body for r in self.received]

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()


if __name__ == "__main__":  # a loopback model for benchmarks and manual tries
    import sys

    with LLMServer(sys.argv[1] if len(sys.argv) > 1 else "good") as s:
        print(s.base_url, flush=True)
        threading.Event().wait()
