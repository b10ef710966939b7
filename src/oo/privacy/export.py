"""`oo export`: everything oO holds, as JSON Lines. There are no secrets in the store to leak;
tokens live in the OS keyring, which export never reads."""

from __future__ import annotations

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
            yield json.dumps({"kind": table, "row": dict(row)}, ensure_ascii=False)
    for event in events.read(conn):
        yield json.dumps({"kind": "event", "row": event.to_dict()}, ensure_ascii=False)
