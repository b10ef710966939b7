"""The shared HTTP client: every request it sends is recorded for the egress ledger.

Connectors get a client made here (injected, so tests point it at loopback servers). Its
event hooks note each request's host, method, status and byte counts in a `Recorder`; the
sync runner writes them to the ledger, also when the pull failed. Helpers turn rate limits,
timeouts and non-JSON answers into one clear sentence.
"""

from __future__ import annotations

import email.utils
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx2

from oo import __version__, clock
from oo.connectors.base import ConnectorError, ReconnectNeeded, setting
from oo.privacy.egress import Egress, record, request_fields
from oo.store.db import open_existing, transaction

DEFAULT_TIMEOUT_S = 30.0
MAX_ATTEMPTS = 4
MAX_WAIT_S = 30.0
STREAMED = "oo_streamed"  # request extension: the response body is read by the caller
RETRIED = (429, 503)  # rate limited, or unavailable for a while (with Retry-After)


@dataclass
class Recorder:
    """One Egress entry per request, written to the ledger as the request leaves.

    Each request gets its ledger row before it is sent (in a short transaction of its own),
    and the row is completed when the answer has been read, so a process killed mid-pull
    still leaves the record of what left the machine. Before the database exists (none yet),
    entries wait for `flush`.
    """

    source: str
    purpose: str
    entries: list[Egress] = field(default_factory=list)
    _open: dict[int, int] = field(default_factory=dict)
    _rows: dict[int, str] = field(default_factory=dict)  # entry index -> ledger row id

    def on_request(self, request: httpx2.Request) -> None:
        try:
            body = request.content
        except httpx2.RequestNotRead:
            body = b""
        head = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        index = len(self.entries)
        self._open[id(request)] = index
        entry = Egress(
            url=f"{request.url.scheme}://{request.url.host}/",
            method=request.method,
            purpose=self.purpose,
            source=self.source,
            bytes_out=len(body) + head + len(request.url.raw_path) + 16,
            bytes_in=0,
            fields=request_fields(
                request.url.query.decode("ascii", "replace"),
                request.headers.get("Content-Type", ""),
                body,
                [k.decode("latin-1") for k, _ in request.headers.raw],
            ),
        )
        self.entries.append(entry)
        conn = open_existing()
        if conn is None:
            return
        try:
            with transaction(conn):
                self._rows[index] = record(conn, entry, now=clock.now())
        finally:
            conn.close()

    def on_response(self, response: httpx2.Response) -> None:
        head = sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
        if response.request.extensions.get(STREAMED):
            # Not read here (the caller reads it with a size cap): the declared length counts.
            declared = response.headers.get("Content-Length", "")
            body = int(declared) if declared.isdigit() else 0
        else:
            response.read()
            body = len(response.content)
        index = self._open.pop(id(response.request), None)
        if index is None:
            return
        old = self.entries[index]
        self.entries[index] = replace(old, bytes_in=body + head, status=response.status_code)
        row_id = self._rows.get(index)
        conn = open_existing() if row_id is not None else None
        if conn is None:
            return
        try:
            with transaction(conn):
                conn.execute(
                    "UPDATE egress SET bytes_in = ?, status = ? WHERE id = ?",
                    (self.entries[index].bytes_in, response.status_code, row_id),
                )
        finally:
            conn.close()

    def flush(self, conn: sqlite3.Connection, *, now: datetime) -> int:
        """Write the entries not yet in the ledger (inside the caller's transaction)."""
        count = 0
        for index, entry in enumerate(self.entries):
            if index not in self._rows:
                record(conn, entry, now=now)
                count += 1
        self.entries.clear()
        self._open.clear()
        self._rows.clear()
        return count


def timeout_s() -> float:
    raw = setting("http", "timeout")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        return DEFAULT_TIMEOUT_S


def client_kwargs(recorder: Recorder) -> dict[str, Any]:
    """Arguments for an httpx2.Client (or a subclass, such as authlib's OAuth2Client)."""
    return {
        "event_hooks": {"request": [recorder.on_request], "response": [recorder.on_response]},
        "timeout": timeout_s(),
        "follow_redirects": True,
        "headers": {"User-Agent": f"oO/{__version__}"},
        "trust_env": False,
    }


class _FirstUse(httpx2.BaseTransport):
    """httpx2's default transport, made at the first request. Making it loads HTTP core and
    the system's CA certificates (a fifth of a second), which a calendar file, and a connect
    whose pull runs in a child, never use."""

    def __init__(self) -> None:
        self._transport: httpx2.HTTPTransport | None = None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._transport is None:
            self._transport = httpx2.HTTPTransport(trust_env=False)  # as the client would
        return self._transport.handle_request(request)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def client(recorder: Recorder) -> httpx2.Client:
    return httpx2.Client(**client_kwargs(recorder), transport=_FirstUse())


def _retry_after(response: httpx2.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(raw) if raw else None
            if parsed is not None:
                return max(0.0, (parsed - datetime.now(UTC)).total_seconds())
    if response.request.extensions.get(STREAMED):
        return None  # the body of a streamed answer is not read here
    try:
        extra = response.json().get("error_extra", {})
        return max(0.0, float(extra["retry_after"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def send(
    http: httpx2.Client,
    method: str,
    url: str,
    *,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = MAX_WAIT_S,
    **kwargs: Any,
) -> httpx2.Response:
    """Send a request; on 429, or 503 with Retry-After, wait as the server asks (capped) and
    try again, at most MAX_ATTEMPTS times in all."""
    host = urlsplit(url).hostname or "the server"
    stream = bool(kwargs.pop("stream", False))
    for attempt in range(MAX_ATTEMPTS):
        try:
            request = http.build_request(method, url, **kwargs)
            if stream:  # the caller reads the body (and must close the response)
                request.extensions[STREAMED] = True
            response = http.send(request, stream=stream)
        except httpx2.TimeoutException:
            raise ConnectorError(
                f"{what} did not answer in time ({timeout_s():g} s); nothing was changed"
            ) from None
        except httpx2.TransportError as exc:
            raise ConnectorError(
                f"cannot reach {host} ({type(exc).__name__}); nothing was changed"
            ) from None
        if response.status_code not in RETRIED:
            return response
        hint = _retry_after(response)
        if response.status_code == 503 and hint is None:
            return response  # unavailable without a hint: an error, not a wait
        response.close()
        wait = min(hint if hint is not None else 2.0**attempt, max_wait)
        if attempt == MAX_ATTEMPTS - 1 or (hint is not None and hint > max_wait):
            shown = f" for {hint:.0f} s" if hint is not None else ""
            doing = "is limiting requests" if response.status_code == 429 else "is unavailable"
            raise ConnectorError(f"{what} {doing}{shown}; nothing was changed, try again later")
        sleep(wait)
    raise AssertionError("unreachable")


def check(response: httpx2.Response, *, what: str, source: str) -> None:
    """Raise the one-line error for a failed answer."""
    status = response.status_code
    if status in (401, 403):
        raise ReconnectNeeded(
            f"reconnect needed: {what} refused the saved credential (HTTP {status});"
            f" run `oo connect {source}`"
        )
    if status >= 500:
        raise ConnectorError(f"{what} had a server error (HTTP {status}); nothing was changed")
    if status >= 400:
        raise ConnectorError(f"{what} answered HTTP {status}; nothing was changed")


def json_body(response: httpx2.Response, *, what: str) -> Any:
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind:
        shown = kind.split(";")[0] or "no content type"
        raise ConnectorError(
            f"{what} answered with {shown} instead of JSON (HTTP {response.status_code});"
            " nothing was changed"
        )
    try:
        return json.loads(response.content)
    except ValueError:
        raise ConnectorError(f"{what} answered with broken JSON; nothing was changed") from None
