"""`oo export`: everything oO holds, as JSON Lines. There are no secrets in the store to leak;
tokens live in the OS keyring, which export never reads."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from oo import __version__
from oo.clock import iso
from oo.store import events
from oo.store.db import data_tables
from oo.store.schema import SCHEMA_VERSION


def _blob(value: object) -> object:
    """Binary columns (learned policy parameters) as base64 text."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot export {type(value).__name__}")


def lines(conn: sqlite3.Connection, *, now: datetime) -> Iterator[str]:
    header: dict[str, Any] = {
        "kind": "oo.export",
        "format": 1,
        "oo_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "exported_at": iso(now),
    }
    yield json.dumps(header)
    for table in data_tables(conn):
        if table == "events":
            continue  # below, decoded from protobuf into JSON
        for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid"):
            yield json.dumps({"kind": table, "row": dict(row)}, ensure_ascii=False, default=_blob)
    for event in events.read(conn):
        yield json.dumps({"kind": "event", "row": event.to_dict()}, ensure_ascii=False)
