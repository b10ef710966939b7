"""The store: pragmas, file modes, migrations and the exact schema."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from oo import paths
from oo.store import db, migrations
from oo.store.schema import SCHEMA_VERSION

EXPECTED_SCHEMA = Path(__file__).with_name("expected_schema.sql")


def dump_schema(conn: sqlite3.Connection) -> str:
    rows = conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name"
    )
    return ";\n".join(" ".join(r[0].split()) for r in rows) + ";\n"


def test_blank_database_migrates_to_the_exact_schema(conn: sqlite3.Connection) -> None:
    assert dump_schema(conn) == EXPECTED_SCHEMA.read_text()
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == [m.name for m in migrations.migrations._migrations]
    assert db.schema_version(conn) == SCHEMA_VERSION


def test_schema_version_counts_the_migrations() -> None:
    assert len(migrations.migrations._migrations) == SCHEMA_VERSION


def test_reopening_applies_nothing_twice(oo_home: Path) -> None:
    db.open_store().close()
    conn = db.open_store()
    count = conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
    assert count == SCHEMA_VERSION
    conn.close()


def test_every_connection_sets_the_pragmas(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_data_directory_and_files_are_private(conn: sqlite3.Connection, oo_home: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO moods (id, time, score) VALUES ('x', 't', 3)")
    conn.execute("COMMIT")
    assert stat.S_IMODE(oo_home.stat().st_mode) == 0o700
    files = [p for p in oo_home.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"oo.db", "oo.db-wal"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_transaction_rolls_back_on_error(conn: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError), db.transaction(conn):
        conn.execute("INSERT INTO moods (id, time, score) VALUES ('a', 't', 3)")
        raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM moods").fetchone()[0] == 0


def test_a_database_from_an_earlier_version_upgrades_and_keeps_its_data(oo_home: Path) -> None:
    """A database made by the first release (m001 only) gets the later migrations."""
    from sqlite_utils import Database

    first = migrations.migrations._migrations[0].name
    later = [m.name for m in migrations.migrations._migrations[1:]]
    conn = db.connect(paths.db_path(), create=True)
    migrations.migrations.apply(Database(conn), stop_before=later[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO moods (id, time, score, note) VALUES ('m1', 't', 4, 'kept')")
    conn.close()

    upgraded = db.open_store()
    applied = [r[0] for r in upgraded.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == [first, *later]
    assert db.schema_version(upgraded) == SCHEMA_VERSION
    assert [tuple(r) for r in upgraded.execute("SELECT note FROM moods")] == [("kept",)]
    assert dump_schema(upgraded) == EXPECTED_SCHEMA.read_text()
    upgraded.close()
