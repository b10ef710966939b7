"""`oo forget`: delete everything oO holds, so that no deleted text is left in any file.

Rows are deleted with `secure_delete` on, the database is rebuilt with VACUUM and the WAL
is checkpointed and truncated; logs and caches are removed. One DataDeleted event stays,
recording what kind of data was deleted and how much, never what.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from oo import paths
from oo.events.v1 import privacy_pb2
from oo.store import events
from oo.store.db import backup_dir, data_tables, transaction

if TYPE_CHECKING:
    from google.protobuf.message import Message

OWNED_DIRS = ("logs", "cache")


def forget_all(conn: sqlite3.Connection, *, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    with transaction(conn):
        # Every table, including ones added by later migrations; foreign keys are checked at
        # commit, so the order of deletes does not matter.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for table in data_tables(conn):
            counts[table] = conn.execute(f"DELETE FROM {table}").rowcount
        events.append(conn, privacy_pb2.DataDeleted(scope="all", counts=counts), now=now)
    scrub(conn)
    for name in OWNED_DIRS:
        shutil.rmtree(paths.home() / name, ignore_errors=True)
    return counts


# What a source leaves behind: current state, then (with its history) events and egress.
SOURCE_TABLES = (("items", "source"), ("candidates", "source"), ("tips", "source"))
HISTORY_TABLES = ("events", "egress")


def forget_source(
    conn: sqlite3.Connection,
    source: str,
    *,
    now: datetime,
    history: bool,
    note: Message | None = None,
) -> dict[str, int]:
    """Delete everything derived from one source, and with `history` its events and egress.

    With `history`, one DataDeleted event (scope: the source's name) records how much went;
    otherwise `note` (e.g. SourceDisconnected) is appended under the source's name.
    """
    counts: dict[str, int] = {}
    with transaction(conn):
        for table, column in SOURCE_TABLES:
            counts[table] = conn.execute(
                f"DELETE FROM {table} WHERE {column} = ?", (source,)
            ).rowcount
        counts["sources"] = conn.execute("DELETE FROM sources WHERE name = ?", (source,)).rowcount
        if history:
            for table in HISTORY_TABLES:
                counts[table] = conn.execute(
                    f"DELETE FROM {table} WHERE source = ?", (source,)
                ).rowcount
            events.append(conn, privacy_pb2.DataDeleted(scope=source, counts=counts), now=now)
        elif note is not None:
            events.append(conn, note, now=now, source=source)
    scrub(conn)
    return counts


def scrub(conn: sqlite3.Connection) -> None:
    """Leave no deleted bytes in the database file, its WAL or the copies taken before
    migrations (they hold what was just deleted)."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.rmtree(backup_dir(), ignore_errors=True)
