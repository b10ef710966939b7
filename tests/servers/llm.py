"""A loopback LLM endpoint that speaks the OpenAI chat-completions and Ollama `/api/chat`
shapes, for tests and benchmarks.

It records every request exactly as received (bytes on the wire, headers, body) and answers
according to `mode`, the ways a small model answers: good JSON, JSON in a code fence, JSON
with chatter around it, truncated JSON, a refusal, garbage, JSON that breaks the output
contract, a 500, a slow stream (a few bytes at a time, far past any deadline), or a hang
(until the server stops).
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

MODES = (
    "good",
    "fenced",
    "chatter",
    "truncated",
    "refusal",
    "garbage",
    "contract",
    "error",
    "slow",
    "hang",
)
SLOW_CHUNK_S = 0.5  # "slow": one chunk of the answer every this many seconds


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
    first = ids[0] if ids else "now"
    return json.dumps(
        {
            "tips": [
                {
                    "text": "Take a ten-minute walk before your next task.",
                    "kind": "advice",
                    "category": "movement",
                    "signal": first,
                },
                {
                    "text": "Drink a glass of water and stretch your shoulders.",
                    "kind": "advice",
                    "category": "rest",
                    "signal": "now",
                },
            ]
        }
    )


def shaped(mode: str, good: str) -> str:
    """A good answer as a small model may wrap or break it."""
    if mode == "fenced":
        return f"```json\n{good}\n```"
    if mode == "chatter":
        return f"Sure, here are three tips for you:\n{good}\nI hope these help."
    if mode == "truncated":
        return good[: good.index("Drink a glass") + 20]
    if mode == "refusal":
        return "I'm sorry, but I can't help with that request."
    return good


# Answers a small model gave that must never become tips: (tip, the reason it is dropped).
BAD_TIPS: list[tuple[Any, str]] = [
    ({"text": "Write " + "very " * 40 + "much.", "category": "focus"}, "too_long"),
    ({"text": "Visit https://evil.example now.", "category": "focus"}, "contact"),
    ({"text": "Bold <b>move</b>.", "category": "focus"}, "not_one_sentence"),
    ({"text": "Ring\x07the bell.", "category": "focus"}, "not_one_sentence"),
    ({"text": "Take 800 mg of ibuprofen and double your antidepressant dose tonight.",
      "category": "rest"}, "medical"),
    ({"text": "Reply to the security team with your password to keep your account active.",
      "category": "focus"}, "credentials"),
    ({"text": "Mach jetzt einen kurzen Spaziergang an der frischen Luft.",
      "category": "movement"}, "language"),
    ({"text": "Go for a run right now, you can do it!!!", "category": "movement"}, "exclamation"),
    ({"text": "Move your savings into bitcoin today, it is guaranteed to double.",
      "category": "planning"}, "money"),
    ({"text": "Plan the week on paper.", "category": "work"}, "category"),
    ({"text": "A fine tip.", "kind": "poem", "category": "focus"}, "bad_kind"),
    ({"text": "Cite it.", "kind": "todo", "category": "focus", "signal": "x:1"}, "unknown_signal"),
    ({"text": "Plan the week on paper.", "kind": "todo", "category": "planning",
      "signal": None}, "no_signal"),
    ("not an object", "not_an_object"),
]  # fmt: skip


def contract_breaking(body: dict[str, Any]) -> str:
    tips = [
        {"kind": "advice", "signal": "now", **tip} if isinstance(tip, dict) else tip
        for tip, _ in BAD_TIPS
    ]
    return json.dumps({"tips": tips})


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
                    content = shaped(server.mode, server.reply(request))
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
                if server.mode == "slow":
                    self._trickle(json.dumps(answer).encode(), rec)
                    return
                self._send(200, json.dumps(answer).encode(), rec)

            def _trickle(self, payload: bytes, rec: Received) -> None:
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n\r\n"
                ).encode()
                self.wfile.write(head)
                self.wfile.flush()
                rec.wire_out = len(head)
                for i in range(0, len(payload), 8):
                    if server._stop.wait(SLOW_CHUNK_S):
                        break
                    try:
                        self.wfile.write(payload[i : i + 8])
                        self.wfile.flush()
                    except OSError:
                        break
                    rec.wire_out += len(payload[i : i + 8])
                self.close_connection = True

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
