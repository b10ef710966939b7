"""The real daemon pulls each source in a child process (ADR 0045): after it pulled a
calendar and Todoist, the resident process holds none of the providers' code, HTTP, the
keyring or a calendar, and what was pulled is in the store; a hostile calendar's refusal
reaches `oo status` the same way.

Real parts: the `oo` command and daemon, the Secret Service keyring (scripts/test), the
loopback Todoist server, an .ics file and the SQLite file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from oo.heavy import RESIDENT_DAEMON, heavy_loaded
from tests.conftest import run_oo
from tests.connectors_support import FIXTURES
from tests.daemon_support import Daemons, db, wait_for
from tests.servers.todoist import TodoistServer, task

pytestmark = pytest.mark.desktop

TOKEN = "pulltoken0123456789abcdef0123456789"
CONNECTED = "2025-03-10T09:05:00+00:00"
LATER = "2025-03-10T11:35:00+00:00"  # past both freshness targets (15 and 60 min, +10 %)


def _synced(home: Path) -> list[tuple[str, str]]:
    with db(home) as conn:
        rows = conn.execute(
            "SELECT source, time FROM events WHERE type = 'source_synced' ORDER BY time, id"
        ).fetchall()
    return [(r["source"], r["time"]) for r in rows]


def _connect_both(home: Path, server: TodoistServer, ics: Path) -> None:
    server.state.tasks = [task(i) for i in range(5)]
    server.state.personal(TOKEN)
    env = {"OO_NOW": CONNECTED, "TZ": "UTC"}
    done = run_oo("connect", "todoist", "--yes", "--token-stdin", input=TOKEN + "\n", env=env)
    assert done.returncode == 0, done.stderr
    shutil.copy(FIXTURES / "week.ics", ics)
    done = run_oo("connect", "calendar", "--yes", str(ics), env=env)
    assert done.returncode == 0, done.stderr
    (home / "config.toml").write_text("[notify]\ndaily_budget = 0\n")  # about pulls only


def test_the_resident_daemon_pulls_without_loading_any_provider(
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
    daemons: Daemons,
    tmp_path: Path,
) -> None:
    _connect_both(oo_home, todoist_server, tmp_path / "week.ics")
    before = len(_synced(oo_home))
    todoist_server.state.tasks = [task(i) for i in range(8)]  # three new tasks
    daemon = daemons.start(OO_NOW=LATER, OO_DEBUG="1")
    wait_for(
        lambda: len(_synced(oo_home)) >= before + 2 and daemons.ran(daemon, "sync"),
        timeout=90,
        what="the daemon to pull both sources",
    )
    assert sorted(s for s, _ in _synced(oo_home)[before:]) == ["calendar", "todoist"]
    with db(oo_home) as conn:
        todos = conn.execute("SELECT COUNT(*) FROM items WHERE source = 'todoist'").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM items WHERE source = 'calendar'").fetchone()[0]
    assert todos == 8 and events > 0
    modules = set(daemons.status()["modules"])
    assert heavy_loaded(modules, allowed=RESIDENT_DAEMON) == set()
    assert not {"oo.connectors.sync", "oo.connectors.todoist", "oo.connectors.calendar"} & modules
    daemon.terminate()
    assert daemon.wait(timeout=10) == 0, daemons.log()
    assert "Traceback" not in daemons.log()


def test_a_hostile_calendar_pulled_by_the_daemon_is_one_clear_error_in_status(
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
    daemons: Daemons,
    tmp_path: Path,
) -> None:
    ics = tmp_path / "week.ics"
    _connect_both(oo_home, todoist_server, ics)
    shutil.copy(FIXTURES / "secondly.ics", ics)  # the feed turns hostile
    before = len(_synced(oo_home))
    daemon = daemons.start(OO_NOW=LATER)
    wait_for(
        lambda: len(_synced(oo_home)) >= before + 2 and daemons.ran(daemon, "sync"),
        timeout=90,
        what="the daemon to pull both sources",
    )
    status = run_oo("status", "--json", env={"OO_NOW": LATER})
    sources = {s["name"]: s for s in json.loads(status.stdout)["sources"]}
    assert sources["todoist"]["state"] == "ok"
    assert sources["calendar"]["last_error"].startswith(
        "the calendar is too large to read: a rule repeating every second"
    )
    assert "sync of calendar failed (the calendar is too large to read" in daemons.log()
    daemon.terminate()
    assert daemon.wait(timeout=10) == 0, daemons.log()
