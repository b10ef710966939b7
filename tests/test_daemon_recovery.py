"""`kill -9` of the real daemon in the middle of a Todoist pull, then a restart: the store is
intact, the killed pull left nothing behind, the sync lock it held does not block the next
one, and the restarted daemon completes the sync exactly once.

Real parts: the `oo` command, the Secret Service keyring (scripts/test), the loopback
Todoist server, the SQLite file and the OS file locks."""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import run_oo
from tests.daemon_support import Daemons, db, wait_for
from tests.servers.todoist import TodoistServer, task

pytestmark = pytest.mark.desktop

TOKEN = "recoverytoken0123456789abcdef0123456"
CONNECTED = "2025-03-10T09:00:00+00:00"
LATER = "2025-03-10T10:00:00+00:00"  # an hour on: past Todoist's 15 min freshness target


def _synced(home: Path) -> list[str]:
    with db(home) as conn:
        rows = conn.execute(
            "SELECT id FROM events WHERE type = 'source_synced' ORDER BY time, id"
        ).fetchall()
    return [r["id"] for r in rows]


def _items(home: Path) -> list[str]:
    with db(home) as conn:
        rows = conn.execute("SELECT item_id FROM items WHERE source = 'todoist' ORDER BY item_id")
        return [r["item_id"] for r in rows]


def _last_success(home: Path) -> str:
    with db(home) as conn:
        row = conn.execute("SELECT last_success FROM sources WHERE name = 'todoist'").fetchone()
    return str(row["last_success"])


def _free(lock: Path) -> bool:
    """Whether no process holds the OS lock on this file (what filelock takes)."""
    with lock.open("a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return True


def test_kill_9_mid_pull_leaves_nothing_half_written_and_the_next_start_resumes(
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
    daemons: Daemons,
) -> None:
    server = todoist_server.state
    server.tasks = [task(i) for i in range(10)]
    server.personal(TOKEN)
    connected = run_oo(
        "connect",
        "todoist",
        "--yes",
        "--token-stdin",
        input=TOKEN + "\n",
        env={"OO_NOW": CONNECTED},
    )
    assert connected.returncode == 0, connected.stderr
    # No notifications here: this test is about the sync job.
    (oo_home / "config.toml").write_text("[notify]\ndaily_budget = 0\n")
    before_events, before_items = _synced(oo_home), _items(oo_home)
    assert len(before_events) == 1 and len(before_items) == 10
    connected_at = _last_success(oo_home)

    # Five new tasks at Todoist, and a server that hangs on every request.
    server.tasks = [task(i) for i in range(15)]
    server.slow_s = 20
    server.faults.add("slow")
    seen = len(server.requests)
    first = daemons.start(OO_NOW=LATER)
    wait_for(
        lambda: any(path.startswith("/api/v1/") for _, path in server.requests[seen:]),
        what="the daemon's sync request to reach Todoist",
    )
    assert first.poll() is None, daemons.log()
    first.kill()  # kill -9, mid-pull
    first.wait(timeout=10)

    killed_requests = len(server.requests) - seen
    with db(oo_home) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # What left before the kill is in the ledger, unanswered (no status, nothing in).
        pending = conn.execute(
            "SELECT COUNT(*) FROM egress WHERE purpose = 'sync' AND status IS NULL"
        ).fetchone()[0]
    assert pending >= 1 and killed_requests >= pending
    assert _synced(oo_home) == before_events  # no source_synced for the killed pull
    assert _items(oo_home) == before_items  # items unchanged: nothing half-written
    assert _last_success(oo_home) == connected_at
    # The sync lock file stays behind, but the OS lock died with the pull's child, which
    # dies with the daemon (ADR 0045).
    lock = oo_home / "locks" / "sync-todoist.lock"
    assert lock.exists()
    wait_for(lambda: _free(lock), what="the killed pull's lock to be released")
    assert _free(oo_home / "daemon.lock")

    server.faults.discard("slow")
    seen = len(server.requests)
    again = daemons.start(OO_NOW=LATER)
    wait_for(
        lambda: len(_synced(oo_home)) > len(before_events) and daemons.ran(again, "sync"),
        what="the restarted daemon to finish its sync",
    )
    again.terminate()
    assert again.wait(timeout=10) == 0, daemons.log()
    assert "Traceback" not in daemons.log()  # a clean stop, even with children running
    stopped = json.loads(run_oo("daemon", "status", "--json").stdout)
    assert stopped["running"] is False and stopped["stopped_at"]

    events = _synced(oo_home)
    assert events[: len(before_events)] == before_events
    assert len(events) == len(before_events) + 1  # exactly one sync completed
    assert _items(oo_home) == sorted(t["id"] for t in server.tasks)
    assert _last_success(oo_home) != connected_at
    status = run_oo("status", "--json", env={"OO_NOW": LATER})
    (source,) = json.loads(status.stdout)["sources"]
    assert source["state"] == "ok" and not source["last_error"]
    with db(oo_home) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = conn.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM events").fetchone()
        assert ids[0] == ids[1]
        rows = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT item_id) FROM items WHERE source = 'todoist'"
        ).fetchone()
        assert rows[0] == rows[1] == 15
    # The resumed pull asked Todoist for the tasks once (one page of 15).
    tasks_calls = [p for m, p in server.requests[seen:] if p == "/api/v1/tasks"]
    assert len(tasks_calls) == 1


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="flock and the Secret Service are Linux parts here")


def test_children_die_with_a_killed_daemon(oo_home: Path, daemons: Daemons, tmp_path: Path) -> None:
    """A generator child stuck on a model that never answers does not outlive `kill -9`."""
    import socket

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        assert run_oo("config", "set", "llm.api-base", f"http://127.0.0.1:{port}").returncode == 0
        daemon = daemons.start(OO_NOW=LATER)
        child = wait_for(
            lambda: _child_of(daemon.pid, "oo.llm.generate"), what="the generator child"
        )
        daemon.kill()  # SIGKILL to the daemon alone, not its process group
        daemon.wait(timeout=10)
        wait_for(lambda: not Path(f"/proc/{child}").exists(), what="the child to die")


def _child_of(parent: int, module: str) -> int | None:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == parent and module.encode() in cmdline:
            return int(stat.parent.name)
    return None
