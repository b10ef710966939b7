"""The egress ledger: every byte that leaves the machine is recorded here.

Every outbound request (connectors, the LLM generator) goes through `record`, which the
shared HTTP client calls for each request. A URL is never stored: only its host.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from oo.clock import iso
from oo.store.events import new_id


@dataclass(frozen=True)
class Egress:
    url: str
    method: str
    purpose: str
    source: str
    bytes_out: int
    bytes_in: int
    status: int | None = None
    fields: tuple[str, ...] = ()


# Headers whose presence is worth a ledger line: they carry a credential or a session.
CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization", "x-api-key", "api-key")


def request_fields(
    query: str, content_type: str, body: bytes, header_names: list[str]
) -> tuple[str, ...]:
    """The names (never the values) of what a request carries, for the ledger's `fields`:
    `query.NAME` for each query parameter, `form.NAME` or `json.NAME` for each field of
    the body (top-level keys), `header.NAME` for a credential header, `body` for any other
    non-empty body."""
    names = [f"query.{k}" for k, _ in parse_qsl(query, keep_blank_values=True)]
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if body and kind == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", "replace")
        names += [f"form.{k}" for k, _ in parse_qsl(text, keep_blank_values=True)]
    elif body and kind.endswith("json"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        rows = data if isinstance(data, list) else [data]
        keys = [k for row in rows if isinstance(row, dict) for k in row]
        names += [f"json.{k}" for k in keys] if keys else ["body"]
    elif body:
        names.append("body")
    lowered = {h.lower() for h in header_names}
    names += [f"header.{h}" for h in CREDENTIAL_HEADERS if h in lowered]
    return tuple(dict.fromkeys(names))  # in order, each once


def record(conn: sqlite3.Connection, item: Egress, *, now: datetime) -> str:
    """Record one outbound request; keeps the host, never the path or query."""
    host = urlsplit(item.url).hostname or "unknown"
    row_id = new_id(now)
    conn.execute(
        "INSERT INTO egress (id, time, host, purpose, source, method, status, bytes_out,"
        " bytes_in, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row_id,
            iso(now),
            host,
            item.purpose,
            item.source,
            item.method.upper(),
            item.status,
            item.bytes_out,
            item.bytes_in,
            json.dumps(list(item.fields)),
        ),
    )
    return row_id


def summary(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """By host and purpose, newest first: requests that sent data and their bytes, apart
    from attempts that sent nothing (a refused or failed connection, 0 bytes out)."""
    rows = conn.execute(
        "SELECT host, purpose, SUM(bytes_out > 0) AS requests, SUM(bytes_out = 0) AS attempts,"
        " SUM(bytes_out) AS bytes_out, SUM(bytes_in) AS bytes_in, MAX(time) AS last FROM egress"
        " GROUP BY host, purpose ORDER BY last DESC"
    )
    return [dict(row) for row in rows]
