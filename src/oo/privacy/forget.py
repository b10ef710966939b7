"""`oo forget`: delete everything oO holds, so that no deleted text is left in any file.

Rows are deleted with `secure_delete` on, the database is rebuilt with VACUUM and the WAL
is checkpointed and truncated; logs and caches are removed. One DataDeleted event stays,
recording what kind of data was deleted and how much, never what.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime

from oo import paths
from oo.events.v1 import privacy_pb2
from oo.store import events
from oo.store.db import transaction

# Child tables first, so foreign keys never block a delete.
DATA_TABLES = ("habit_checkins", "habits", "moods", "tips", "sources", "egress", "events")
OWNED_DIRS = ("logs", "cache")


def forget_all(conn: sqlite3.Connection, *, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction(conn):
        for table in DATA_TABLES:
            counts[table] = conn.execute(f"DELETE FROM {table}").rowcount
        events.append(conn, privacy_pb2.DataDeleted(scope="all", counts=counts), now=now)
    scrub(conn)
    for name in OWNED_DIRS:
        shutil.rmtree(paths.home() / name, ignore_errors=True)
    return counts


def scrub(conn: sqlite3.Connection) -> None:
    """Leave no deleted bytes in the database file or its WAL."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
