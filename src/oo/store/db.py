"""The one place that opens database connections and sets their pragmas.

Standard library only, so `oo tip` can use it; migrations load sqlite-utils lazily.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from oo import paths
from oo.errors import OOError
from oo.store.schema import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 30_000
# Small pages for a small database written in small transactions: a reaction touches about
# 15 B-tree pages (tips, decisions, events, rewards and their indexes), so the page size,
# not the data, sets the bytes written (docs/adr/0051). Applies to new databases; one
# created with SQLite's default of 4 KB keeps it.
PAGE_SIZE = 1024
BACKUP_DIR = "backups"  # copies taken before a migration, in the data directory
BACKUPS_KEPT = 3


def _pragmas(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA synchronous = NORMAL")


def _refuse_if_not_sqlite(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse, without touching it, a file that is not a SQLite database.

    SQLite itself reads the header: opening and closing the file from Python would drop
    every POSIX lock this process holds on it, the locks other connections in the same
    process rely on (https://sqlite.org/howtocorrupt.html#_posix_advisory_locks_canceled_by
    _a_separate_thread_doing_close_), and the next connection to close could then delete a
    WAL still in use."""
    try:
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if "file is not a database" not in str(exc):
            raise
        raise OOError(f"{path} is not an oO database (not SQLite); it was left untouched") from None


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open the database with oO's pragmas, in autocommit mode (transactions are explicit)."""
    if create and not path.exists():
        paths.ensure_home()
        # Create the file private to this user before SQLite does; WAL files inherit its mode.
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    mode = "rwc" if create else "rw"
    conn = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        _refuse_if_not_sqlite(conn, path)
        _pragmas(conn)
        if create:
            mode_row = conn.execute("PRAGMA journal_mode").fetchone()
            if mode_row[0] != "wal":
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL: only then
                conn.execute("PRAGMA journal_mode = WAL")
    except BaseException:
        conn.close()
        raise
    return conn


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table that holds a person's data: all but SQLite's own, the migrations and the
    install id (the directory's identity, which names its keyring entries)."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT IN ('_sqlite_migrations', 'install') ORDER BY name"
    )
    return [str(row[0]) for row in rows]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def open_store(path: Path | None = None) -> sqlite3.Connection:
    """Open the database for writing, creating it and applying pending migrations."""
    path = path or paths.db_path()
    conn = connect(path, create=True)
    try:
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            raise OOError(
                f"{path} was written by a newer oO (schema {version}, this oO knows "
                f"{SCHEMA_VERSION}); upgrade oO to use it"
            )
        if version < SCHEMA_VERSION:
            from oo.store.migrations import migrate

            migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def open_existing(path: Path | None = None) -> sqlite3.Connection | None:
    """Open the database only if it exists at the current schema; None otherwise."""
    path = path or paths.db_path()
    if not path.exists():
        return None
    conn = connect(path)
    if schema_version(conn) != SCHEMA_VERSION:
        conn.close()
        return None
    return conn


def backup_dir() -> Path:
    return paths.home() / BACKUP_DIR


def backup_before_migration(conn: sqlite3.Connection, version: int, now: datetime) -> Path:
    """Copy the database (SQLite's online backup API: a consistent copy even while other
    processes use it) to `backups/` before a migration changes it, and keep the newest
    BACKUPS_KEPT copies. They hold personal data: 0600, and `oo forget` removes them."""
    folder = backup_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"oo-schema{version}-{stamp}.db"
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    # The migrating connection holds the write lock, and SQLite refuses a backup from a
    # connection that is writing; a second, read-only connection sees the database as it
    # is before the migration (WAL readers do not wait for the writer).
    source = conn.execute("PRAGMA database_list").fetchone()[2]
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        reader.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        copy.close()
        reader.close()
    copies = sorted(folder.glob("oo-schema*-*.db"), key=lambda p: p.stem.rsplit("-", 1)[1])
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    return target


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A short write transaction that takes the write lock up front (no lock upgrades)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def describe_error(exc: sqlite3.Error, path: Path) -> str:
    """One sentence for a SQLite error a person can meet."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "file is not a database" in text:
        return f"{path} is not an oO database (not SQLite); it was left untouched"
    read_only = path.parent.exists() and not os.access(path.parent, os.W_OK)
    if "readonly" in text or "read-only" in text or read_only:
        return f"cannot write to {path.parent}: it is read-only; nothing was changed"
    if "disk is full" in text or "disk I/O error" in text:
        return f"cannot write to {path.parent}: the disk is full or failing; nothing was changed"
    if "unable to open" in text:
        return f"cannot open {path}: check that {path.parent} exists and is writable"
    if "locked" in text or "busy" in text:
        return f"{path} is busy in another oO process; try again in a moment"
    if "malformed" in text:
        return f"{path} is damaged (SQLite reports it malformed); keep a copy before repairing"
    return f"database error in {path}: {text}"
