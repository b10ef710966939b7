"""Bad input and faults: one clear line on stderr, a non-zero exit, nothing lost."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import OO, run_oo, slowdown
from tests.daemon_support import wait_for
from tests.servers.todoist import TodoistServer, task


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("oo: ")
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_an_error_quoting_what_was_typed_sends_no_escape_to_the_terminal(oo_home: Path) -> None:
    result = run_oo("disconnect", "\x1b]0;pwned\x07\x1b[2Jtodo\u202eist")
    assert_one_line_error(result, result.returncode or 1)
    assert "todoist" in result.stderr  # the name is still there, without what hid it
    assert not any(c in result.stderr for c in "\x1b\x07\u202e")


@pytest.mark.parametrize("score", ["7", "0", "abc", "3.5", ""])
def test_mood_out_of_range(oo_home: Path, score: str) -> None:
    result = run_oo("mood", score)
    assert_one_line_error(result, 2)
    assert "1 (low) to 5 (high)" in result.stderr


def test_usage_errors_are_one_line(oo_home: Path) -> None:
    assert_one_line_error(run_oo("mood"), 2)
    assert_one_line_error(run_oo("nosuchcommand"), 2)
    assert_one_line_error(run_oo("history", "--limit", "x"), 2)


def test_unknown_habit(oo_home: Path) -> None:
    result = run_oo("habit", "done", "juggling")
    assert_one_line_error(result)
    assert "no habit named 'juggling'" in result.stderr


@pytest.mark.parametrize("name", ["two\nlines", "x" * 10_000, "tab\there", "   "])
def test_bad_habit_names_are_refused_and_nothing_is_stored(oo_home: Path, name: str) -> None:
    assert_one_line_error(run_oo("habit", "add", name))
    assert run_oo("habit", "list", "--json").stdout == "[]\n"


def test_reacting_with_no_tip_and_to_an_unknown_tip(oo_home: Path) -> None:
    assert_one_line_error(run_oo("done", "--tip", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"))
    run_oo("tip")
    result = run_oo("done", "--tip", "not-from-this-database")
    assert_one_line_error(result)
    assert "no tip with id" in result.stderr


def test_reacting_twice_to_the_same_tip(oo_home: Path) -> None:
    run_oo("tip")
    with sqlite3.connect(oo_home / "oo.db") as c:
        tip_id = c.execute("SELECT id FROM tips WHERE status='current'").fetchone()[0]
    assert run_oo("done", "--tip", tip_id).returncode == 0
    result = run_oo("useful", "--tip", tip_id)
    assert_one_line_error(result)
    assert "already has a reaction (done)" in result.stderr


def test_a_file_that_is_not_sqlite_is_left_untouched(oo_home: Path) -> None:
    oo_home.mkdir()
    junk = b"these are my notes, not a database\n" * 100
    (oo_home / "oo.db").write_bytes(junk)
    for args in (("tip",), ("mood", "3"), ("status",)):
        result = run_oo(*args)
        assert_one_line_error(result)
        assert "not an oO database" in result.stderr
    assert (oo_home / "oo.db").read_bytes() == junk
    assert sorted(p.name for p in oo_home.iterdir()) == ["oo.db"]


def test_a_database_from_a_newer_oo_is_refused(oo_home: Path) -> None:
    run_oo("mood", "3")
    with sqlite3.connect(oo_home / "oo.db") as c:
        c.execute("PRAGMA user_version = 99")
    before = (oo_home / "oo.db").read_bytes()
    for args in (("tip",), ("mood", "4")):
        result = run_oo(*args)
        assert_one_line_error(result)
        assert "newer oO (schema 99" in result.stderr
    with sqlite3.connect(oo_home / "oo.db") as c:
        assert c.execute("SELECT COUNT(*) FROM moods").fetchone()[0] == 1
    assert len((oo_home / "oo.db").read_bytes()) == len(before)


@contextmanager
def mounted(*args: str, target: Path) -> Iterator[None]:
    """Mount something over `target` for the test (needs root; CI runs as root)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a read-only or a small file system")
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_a_read_only_data_directory(oo_home: Path) -> None:
    run_oo("mood", "3")
    with mounted("--bind", "-o", "ro", str(oo_home), target=oo_home):
        result = run_oo("mood", "5")
        habit = run_oo("habit", "add", "read")
    for failed in (result, habit):
        assert_one_line_error(failed)
        assert "read-only" in failed.stderr
    with sqlite3.connect(oo_home / "oo.db") as c:
        assert c.execute("SELECT score FROM moods").fetchall() == [(3,)]
        assert c.execute("SELECT COUNT(*) FROM habits").fetchone()[0] == 0


def test_a_full_disk_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 512 KiB tmpfs fills up; the write that does not fit fails whole, nothing is lost."""
    home = tmp_path / "small"
    home.mkdir()
    monkeypatch.setenv("OO_HOME", str(home))
    with mounted("-t", "tmpfs", "-o", "size=512k", "tmpfs", target=home):
        assert run_oo("mood", "3", "--note", "before the disk filled").returncode == 0
        failed = None
        for i in range(600):
            result = run_oo("mood", "4", "--note", f"{i} " + "n" * 990)
            if result.returncode != 0:
                failed = result
                break
        assert failed is not None, "the file system never filled up"
        assert_one_line_error(failed)
        assert "disk is full" in failed.stderr
        with sqlite3.connect(home / "oo.db") as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            notes = [r[0] for r in c.execute("SELECT note FROM moods ORDER BY time")]
            events = c.execute("SELECT COUNT(*) FROM events WHERE type='mood_recorded'")
            event_count = events.fetchone()[0]
        assert notes[0] == "before the disk filled"
        assert event_count == len(notes) == i + 1  # every mood has its event; none half-written


def test_two_hundred_concurrent_writers_all_land(oo_home: Path) -> None:
    run_oo("mood", "3")  # create the database first, as a person's first command would
    # 200 processes share the machine's cores: the hang guard grows with its current load.
    deadline = 120 * slowdown()

    def one(i: int) -> subprocess.CompletedProcess[str]:
        return run_oo("mood", str(i % 5 + 1), "--note", f"writer {i}", timeout=deadline)

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(200)))
    failures = [r.stderr for r in results if r.returncode != 0]
    assert failures == []
    with sqlite3.connect(oo_home / "oo.db") as c:
        notes = {r[0] for r in c.execute("SELECT note FROM moods")}
    assert {f"writer {i}" for i in range(200)} <= notes


def test_concurrent_first_runs_migrate_once(oo_home: Path) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: run_oo("mood", "3"), range(20)))
    assert [r.stderr for r in results if r.returncode] == []
    with sqlite3.connect(oo_home / "oo.db") as c:
        assert c.execute("SELECT COUNT(*) FROM moods").fetchone()[0] == 20


def test_debug_shows_a_traceback_only_when_asked(oo_home: Path) -> None:
    oo_home.mkdir()
    (oo_home / "oo.db").write_bytes(b"junk" * 100)
    assert "Traceback" not in run_oo("mood", "3").stderr
    assert "Traceback" in run_oo("mood", "3", env={"OO_DEBUG": "1"}).stderr


def test_a_store_error_during_a_sync_is_the_stores_with_sqlites_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    real_keyring: None,
    todoist_server: TodoistServer,
) -> None:
    """The disk fills up while Todoist is answering: `oo sync` blames the database, in
    SQLite's words, not the Todoist connector; nothing is half written."""
    home = tmp_path / "small"
    home.mkdir()
    monkeypatch.setenv("OO_HOME", str(home))
    env = {**os.environ, "OO_NOW": "2025-03-10T09:00:00+00:00"}
    token = "storefaulttoken0123456789abcdef0123"
    server = todoist_server.state
    server.personal(token)
    server.tasks = [task(i) for i in range(3)]
    with mounted("-t", "tmpfs", "-o", "size=1m", "tmpfs", target=home):
        connected = run_oo(
            "connect", "todoist", "--yes", "--token-stdin", input=token + "\n", env=env
        )
        assert connected.returncode == 0, connected.stderr
        with sqlite3.connect(home / "oo.db") as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            items_before = c.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        c.close()
        server.tasks = [task(i, content="x" * 2000) for i in range(300)]
        server.slow_s = 3
        server.faults.add("slow")
        seen = len(server.requests)
        sync = subprocess.Popen(
            [OO, "sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for(
            lambda: any(p.startswith("/api/v1/") for _, p in server.requests[seen:]),
            what="the sync's first request to reach Todoist",
        )
        fd = os.open(home / "filler", os.O_CREAT | os.O_WRONLY, 0o600)
        try:  # while Todoist answers, every free byte goes: the store's next write fails
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        out, err = sync.communicate(timeout=120)
        (home / "filler").unlink()
        result = subprocess.CompletedProcess(sync.args, sync.returncode, out, err)
        assert_one_line_error(result)
        assert result.stderr.startswith("oo: todoist: the database failed while syncing todoist")
        assert "(SQLite: database or disk is full)" in result.stderr
        with sqlite3.connect(home / "oo.db") as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert c.execute("SELECT COUNT(*) FROM items").fetchone()[0] == items_before
        c.close()
