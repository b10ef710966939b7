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
from urllib.parse import urlsplit

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
