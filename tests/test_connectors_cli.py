"""The commands a person types, run as real processes against the real Secret Service
keyring and a loopback Todoist: connect, sync, status, disconnect, forget --source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import OO, RunOo
from tests.connectors_support import (  # noqa: F401
    FIXTURES,
    browser_env,
    real_keyring,
    todoist_server,
)
from tests.servers.todoist import TodoistServer, due, task

pytestmark = pytest.mark.desktop

CANARY_PERSONAL = "CANARYpersonaltoken0123456789abcdef"


def _owned_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def _env(server: TodoistServer, mode: str = "") -> dict[str, str]:
    return {**server.env(), **browser_env(mode), "OO_NOW": "2025-03-10T09:00:00+00:00", "TZ": "UTC"}


def _seed(server: TodoistServer) -> None:
    server.state.tasks = [task(i) for i in range(30)]
    server.state.tasks[0].update(content="CANARY-TASK-TITLE report", due=due("2025-03-10"))


def test_oauth_connect_sync_status_disconnect(
    oo: RunOo,
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
) -> None:
    _seed(todoist_server)
    env = _env(todoist_server)
    result = oo("connect", "todoist", "--yes", "--timeout", "20", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Connected todoist (person@example.com): 30 items, 1 todo")
    tokens = [t for t in todoist_server.state.access if t != ""]
    assert tokens
    assert oo("sync", env=env).returncode == 0
    status = oo("status", "--json", env=env)
    info = json.loads(status.stdout)
    (source,) = info["sources"]
    assert source["name"] == "todoist" and source["state"] == "ok"
    assert source["account"] == "person@example.com" and source["freshness_target_s"] == 900
    text = oo("status", env=env).stdout
    assert "todoist (person@example.com): ok, synced 0 s ago (target 15 min)" in text
    exported = oo("export", env=env).stdout
    owned = _owned_bytes(oo_home)
    for token in list(todoist_server.state.access) + list(todoist_server.state.refresh):
        for blob in (status.stdout, exported, result.stderr, text):
            assert token not in blob
        assert token.encode() not in owned
    gone = oo("disconnect", "todoist", env=env)
    assert gone.returncode == 0, gone.stderr
    assert "revoked" in gone.stdout and todoist_server.state.revoked
    found = subprocess.run(
        ["secret-tool", "search", "--all", "service", "oo"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "todoist:" not in found.stdout
    assert b"CANARY-TASK-TITLE" not in _owned_bytes(oo_home)


def test_personal_token_from_stdin_then_forget_source(
    oo: RunOo,
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
) -> None:
    _seed(todoist_server)
    todoist_server.state.personal(CANARY_PERSONAL)
    env = _env(todoist_server)
    result = oo(
        "connect", "todoist", "--yes", "--token-stdin", input=CANARY_PERSONAL + "\n", env=env
    )
    assert result.returncode == 0, result.stderr
    forget = oo("forget", "--source", "todoist", "--yes", env=env)
    assert forget.returncode == 0
    assert "cannot be revoked by oO" in forget.stderr  # reported, and the wipe still happened
    assert "Forgot todoist" in forget.stdout
    owned = _owned_bytes(oo_home)
    assert CANARY_PERSONAL.encode() not in owned and b"CANARY-TASK-TITLE" not in owned
    info = json.loads(oo("status", "--json", env=env).stdout)
    assert info["sources"] == [] and info["egress"] == []


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("tamper", "wrong or missing state"),
        ("drop", "wrong or missing state"),
        ("closed", "no answer from the browser within 2 s"),
    ],
)
def test_a_bad_callback_or_closed_browser_saves_nothing(
    oo: RunOo,
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
    mode: str,
    words: str,
) -> None:
    result = oo("connect", "todoist", "--yes", "--timeout", "2", env=_env(todoist_server, mode))
    assert result.returncode == 1
    assert words in result.stderr and "Traceback" not in result.stderr
    assert todoist_server.state.access == {}  # no token was ever issued
    info = json.loads(oo("status", "--json").stdout)
    assert info["sources"] == []


def test_calendar_from_a_file(oo: RunOo, oo_home: Path, real_keyring: None) -> None:
    env = {"OO_NOW": "2025-03-10T09:05:00+00:00", "TZ": "UTC"}
    result = oo("connect", "calendar", "--yes", str(FIXTURES / "week.ics"), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Connected calendar (week.ics): 7 items")
    bad = oo("connect", "calendar", "--yes", str(FIXTURES / "malformed.ics"), env=env)
    assert bad.returncode == 1 and bad.stderr.startswith("oo: the calendar is malformed")
    assert b"CANARY-EVENT-TITLE" not in _owned_bytes(oo_home)
    assert oo("disconnect", "calendar", env=env).returncode == 0


def test_two_processes_syncing_at_once_lose_nothing(
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
) -> None:
    import os

    _seed(todoist_server)
    todoist_server.state.personal(CANARY_PERSONAL)
    env = {**os.environ, **_env(todoist_server)}
    subprocess.run(
        [OO, "connect", "todoist", "--yes", "--token-stdin"],
        input=CANARY_PERSONAL,
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    procs = [
        subprocess.Popen(
            [OO, "sync", "todoist", "--json"],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    for out, _ in outs:
        assert json.loads(out)["results"][0]["items"] == 30
    check = subprocess.run(
        [OO, "status", "--json"], env=env, text=True, capture_output=True, check=True
    )
    assert json.loads(check.stdout)["sources"][0]["state"] == "ok"
    subprocess.run([OO, "disconnect", "todoist"], env=env, capture_output=True, check=False)


def test_oo_tip_loads_no_connector_library(oo: RunOo, oo_home: Path) -> None:
    code = (
        "import sys; from oo.cli import main; sys.argv=['oo','tip']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from oo.heavy import COMMAND_LINE, heavy_loaded\n"
        "heavy=sorted(heavy_loaded(sys.modules, allowed=COMMAND_LINE))\n"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert "HEAVY []" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("calendar",), "give the calendar PATH_OR_URL: `oo connect calendar PATH_OR_URL`"),
        (("todoist", "/some/path"), "`oo connect todoist` takes no path or URL"),
        (("calendar", "x.ics", "--token-stdin"), "`oo connect calendar` reads no token"),
        (("nope",), "no source named 'nope'; known sources: caldav, calendar, todoist"),
    ],
)
def test_connect_checks_its_arguments_against_the_connectors_flow(
    oo: RunOo,
    oo_home: Path,
    args: tuple[str, ...],
    words: str,
) -> None:
    result = oo("connect", *args, "--yes")
    assert result.returncode == 2
    assert result.stderr.startswith(f"oo: {words}") and result.stderr.count("\n") == 1
    assert (
        not (oo_home / "oo.db").exists()
        or json.loads(oo("status", "--json").stdout)["sources"] == []
    )


def test_a_secret_on_stdin_means_consent_must_be_given_with_yes(
    oo: RunOo,
    oo_home: Path,
) -> None:
    result = oo("connect", "caldav", "https://me@dav.example.com/", input="app-password\n")
    assert result.returncode == 2
    assert "oO will read: the events of the calendars you choose" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("oo: connecting caldav needs your consent")
