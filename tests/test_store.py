"""The store: pragmas, file modes, migrations and the exact schema."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from oo import paths
from oo.store import db, migrations
from oo.store.schema import SCHEMA_VERSION
from tests.conftest import run_oo

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


def _first_release_database(note: str) -> None:
    """A database as the first release left it (m001 only), holding one mood."""
    from sqlite_utils import Database

    later = [m.name for m in migrations.migrations._migrations[1:]]
    conn = db.connect(paths.db_path(), create=True)
    migrations.migrations.apply(Database(conn), stop_before=later[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO moods (id, time, score, note) VALUES ('m1', 't', 4, ?)", (note,))
    conn.close()


def test_a_migration_first_copies_the_database_with_the_backup_api(oo_home: Path) -> None:
    _first_release_database("before the upgrade")
    db.open_store().close()
    copies = sorted((oo_home / "backups").iterdir())
    assert [p.name.startswith("oo-schema1-") for p in copies] == [True]
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((oo_home / "backups").stat().st_mode) == 0o700
    with sqlite3.connect(copies[0]) as copy:  # the old schema and its data, as they were
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
        assert copy.execute("SELECT note FROM moods").fetchall() == [("before the upgrade",)]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.open_store().close()  # nothing pending: no new copy
    assert len(list((oo_home / "backups").iterdir())) == 1


def test_a_new_database_needs_no_copy_and_only_the_last_copies_are_kept(oo_home: Path) -> None:
    db.open_store().close()
    assert not (oo_home / "backups").exists()
    for round in range(db.BACKUPS_KEPT + 2):
        paths.db_path().unlink()
        for extra in ("-wal", "-shm"):
            Path(f"{paths.db_path()}{extra}").unlink(missing_ok=True)
        _first_release_database(f"round {round}")
        db.open_store().close()
    copies = sorted((oo_home / "backups").iterdir())
    assert len(copies) == db.BACKUPS_KEPT
    kept = []
    for path in copies:
        with sqlite3.connect(path) as copy:
            kept.append(copy.execute("SELECT note FROM moods").fetchone()[0])
    assert sorted(kept) == [f"round {r}" for r in range(2, db.BACKUPS_KEPT + 2)]


INTERRUPTED = """
import os, sys, time
from pathlib import Path
from oo.store import migrations
last = migrations.migrations._migrations[-1]
real = last.fn
def stalled(database):
    real(database)
    Path(sys.argv[1]).write_text("migrated, not committed")
    time.sleep(60)
last.fn = stalled
from oo.store.db import open_store
open_store()
"""


def test_a_migration_killed_midway_leaves_the_old_schema_then_completes(oo_home: Path) -> None:
    """kill -9 after the last migration ran but before it was committed: the database keeps
    its old schema and data; the next start migrates it fully."""
    import os
    import signal
    import subprocess
    import sys
    import time

    _first_release_database("survives")
    with sqlite3.connect(paths.db_path()) as before:
        old_schema = dump_schema(before)
    ready = oo_home / "ready"
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), "the migration never reached its last step"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    conn = db.connect(paths.db_path())
    assert db.schema_version(conn) == 1
    assert dump_schema(conn) == old_schema
    assert [tuple(r) for r in conn.execute("SELECT note FROM moods")] == [("survives",)]
    conn.close()
    upgraded = db.open_store()
    assert db.schema_version(upgraded) == SCHEMA_VERSION
    assert dump_schema(upgraded) == EXPECTED_SCHEMA.read_text()
    assert [tuple(r) for r in upgraded.execute("SELECT note FROM moods")] == [("survives",)]
    upgraded.close()


def test_forget_removes_the_copies_taken_before_migrations(oo_home: Path) -> None:
    from tests.conftest import run_oo

    _first_release_database("a private note")
    db.open_store().close()
    assert list((oo_home / "backups").iterdir())
    result = run_oo("forget", "--yes")
    assert result.returncode == 0, result.stderr
    assert not (oo_home / "backups").exists()
    assert all(b"a private note" not in p.read_bytes() for p in oo_home.rglob("*") if p.is_file())


def test_the_standby_migration_keeps_the_decision_log_and_moves_each_reward(
    oo_home: Path,
) -> None:
    """m008 widens tips.status in place: a copy of the table would cascade-delete every
    decision. Rewards move to their own rows; a current tip's stays to be learned."""
    from sqlite_utils import Database

    names = [m.name for m in migrations.migrations._migrations]
    conn = db.connect(paths.db_path(), create=True)
    migrations.migrations.apply(Database(conn), stop_before="m008_standby")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    for tip_id, status, reward in [
        ("a", "done", 1.0),
        ("b", "ignored", None),
        ("c", "current", None),
    ]:
        conn.execute(
            "INSERT INTO tips (id, text, kind, category, source, decided_at, expires_at, status,"
            " policy, propensity) VALUES (?, 'x', 'advice', 'rest', 'library', 't0', 't9', ?,"
            " 'default/2', 0.5)",
            (tip_id, status),
        )
        conn.execute(
            "INSERT INTO decisions (tip_id, time, policy, policy_version, context, candidates,"
            " actions, chosen, propensity, scores, probabilities, reward, rewarded_at)"
            " VALUES (?, 't0', 'default', '2', '[1]', '[]', '[[1]]', 0, 0.5, '[0.5]', '[1.0]',"
            " ?, ?)",
            (tip_id, reward, "t1" if reward is not None else None),
        )
    conn.close()

    upgraded = db.open_store()
    assert [r[0] for r in upgraded.execute("SELECT name FROM _sqlite_migrations")] == names
    assert upgraded.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 3
    moved = upgraded.execute("SELECT tip_id, reward, settled_at FROM rewards ORDER BY tip_id")
    assert [tuple(r) for r in moved] == [("a", 1.0, "t1"), ("b", None, "t0"), ("c", None, None)]
    upgraded.execute("UPDATE tips SET status = 'standby' WHERE id = 'b'")  # now allowed
    assert upgraded.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert dump_schema(upgraded) == EXPECTED_SCHEMA.read_text()
    upgraded.close()


def test_a_second_connection_in_one_process_leaves_the_first_ones_locks(oo_home: Path) -> None:
    """Opening the file from Python to check it is SQLite, then closing it, drops every POSIX
    lock the process holds on it. Another process closing its last connection then deletes
    the WAL the first connection still uses, which reads garbage after (a "disk I/O error"
    in a daemon that opened a second connection)."""
    first = db.open_store()
    first.execute("INSERT INTO moods (id, time, score) VALUES ('m1', 't', 3)")
    first.execute("SELECT COUNT(*) FROM moods").fetchone()
    db.connect(paths.db_path()).close()  # a second connection in this process
    assert run_oo("mood", "4").returncode == 0  # another process writes, then closes
    assert (oo_home / "oo.db-wal").exists()  # this process still uses it: not deleted
    assert first.execute("SELECT COUNT(*) FROM moods").fetchone()[0] == 2
    first.execute("INSERT INTO moods (id, time, score) VALUES ('m3', 't', 5)")
    assert first.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    first.close()
