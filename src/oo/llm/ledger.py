"""Counting every HTTP request the generator child makes into the egress ledger.

litellm speaks through httpx (its own handler, and the OpenAI SDK it drives), and the
OpenAI SDK can also use httpx2. In the generator child only, `install` wraps the
`handle_request` of both libraries' HTTPTransport, so every request, whatever the
provider, is written to the ledger before it is sent (host, bytes out, the context fields
it carried) and completed when its answer has been read (status, bytes in). A request
that never gets an answer (timed out, the child killed) stays in the ledger with 0 bytes in
and no status. A connection that was refused or never opened sent nothing: its row is an
attempt, with 0 bytes out. Byte counts are HTTP/1.1 as on the wire: request or status
line, headers and body (before TLS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from oo.privacy import egress
from oo.store.db import connect, transaction

SOURCE = "llm"

_NOT_SENT = ("ConnectError", "ConnectTimeout")  # raised before a byte of the request left
_active: list[Ledger] = []  # the ledger requests are written to (the child has one)
_wrapped: set[str] = set()


def request_bytes(request: Any) -> int:
    body = request.read()
    line = len(request.method) + 1 + len(request.url.raw_path) + len(" HTTP/1.1\r\n")
    headers = sum(len(k) + 2 + len(v) + 2 for k, v in request.headers.raw)
    return line + headers + 2 + len(body)


def response_head_bytes(response: Any) -> int:
    version = response.extensions.get("http_version", b"HTTP/1.1")
    reason = response.extensions.get("reason_phrase", b"")
    line = len(version) + 1 + 3 + 1 + len(reason) + 2
    headers = sum(len(k) + 2 + len(v) + 2 for k, v in response.headers.raw)
    return line + headers + 2


class Ledger:
    """Writes one egress row per request, from any thread, through its own connections."""

    def __init__(
        self,
        db_path: Path,
        *,
        purpose: str,
        fields_for: Callable[[str], tuple[str, ...]],
        clock: Callable[[], datetime],
    ) -> None:
        self.db_path = db_path
        self.purpose = purpose
        self.fields_for = fields_for  # URL path -> the context fields its body carries
        self.clock = clock
        self.requests = 0
        self.bytes_out = 0
        self.bytes_in = 0
        self._lock = threading.Lock()

    def opened(self, request: Any) -> str:
        size = request_bytes(request)
        item = egress.Egress(
            url=str(request.url),
            method=request.method,
            purpose=self.purpose,
            source=SOURCE,
            bytes_out=size,
            bytes_in=0,
            fields=self.fields_for(request.url.path),
        )
        conn = connect(self.db_path)
        try:
            with transaction(conn):
                row_id = egress.record(conn, item, now=self.clock())
        finally:
            conn.close()
        with self._lock:
            self.requests += 1
            self.bytes_out += size
        return row_id

    def attempt(self, url: str) -> None:
        """A connection that was never opened: recorded as an attempt, 0 bytes sent."""
        item = egress.Egress(
            url=url, method="CONNECT", purpose=self.purpose, source=SOURCE, bytes_out=0,
            bytes_in=0,
        )  # fmt: skip
        conn = connect(self.db_path)
        try:
            with transaction(conn):
                egress.record(conn, item, now=self.clock())
        finally:
            conn.close()

    def unsent(self, row_id: str, size: int) -> None:
        """The request's connection failed before anything was written: 0 bytes out."""
        conn = connect(self.db_path)
        try:
            with transaction(conn):
                conn.execute("UPDATE egress SET bytes_out = 0 WHERE id = ?", (row_id,))
        finally:
            conn.close()
        with self._lock:
            self.bytes_out -= size

    def closed(self, row_id: str, status: int | None, size: int) -> None:
        conn = connect(self.db_path)
        try:
            with transaction(conn):
                conn.execute(
                    "UPDATE egress SET status = ?, bytes_in = ? WHERE id = ?",
                    (status, size, row_id),
                )
        finally:
            conn.close()
        with self._lock:
            self.bytes_in += size

    def install(self) -> None:
        """From now on, count every request made through httpx and httpx2 in this process.

        The hooks stay for the life of the process: litellm makes requests from background
        threads (model-info look-ups for cost accounting) after `completion` returns.
        """
        _active[:] = [self]
        import httpx  # litellm's own HTTP stack

        _wrap(httpx)
        try:
            import httpx2  # the OpenAI SDK's HTTP stack
        except ImportError:
            return
        _wrap(httpx2)


def _wrap(module: Any) -> None:
    if module.__name__ in _wrapped:
        return
    _wrapped.add(module.__name__)
    transport = module.HTTPTransport
    original = transport.handle_request

    class Counted(module.SyncByteStream):  # type: ignore[misc]
        def __init__(self, ledger: Ledger, inner: Any, row_id: str, status: int, head: int) -> None:
            self.ledger = ledger
            self.inner, self.row_id, self.status, self.size = inner, row_id, status, head
            self.done = False

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self.inner:
                self.size += len(chunk)
                yield chunk

        def close(self) -> None:
            try:
                self.inner.close()
            finally:
                if not self.done:
                    self.done = True
                    self.ledger.closed(self.row_id, self.status, self.size)

    def handle_request(self: Any, request: Any) -> Any:
        if not _active:
            raise RuntimeError("an LLM request with no egress ledger to record it")
        ledger = _active[0]
        row_id = ledger.opened(request)
        try:
            response = original(self, request)
        except Exception as exc:
            if type(exc).__name__ in _NOT_SENT:
                ledger.unsent(row_id, request_bytes(request))
            raise
        head = response_head_bytes(response)
        response.stream = Counted(ledger, response.stream, row_id, response.status_code, head)
        return response

    transport.handle_request = handle_request
