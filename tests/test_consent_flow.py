"""Consent with a real keyring and a loopback Todoist: nothing is fetched before a yes,
withdrawing stops the next pull, and the ledger lists exactly what the server received."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from oo.clock import parse_iso
from tests.conftest import RunOo
from tests.servers.todoist import TodoistServer, due, task

pytestmark = pytest.mark.desktop

TOKEN = "CANARYconsenttoken0123456789abcdef"
NOW = "2025-03-10T09:00:00+00:00"


def _env(server: TodoistServer) -> dict[str, str]:
    return {**server.env(), "OO_NOW": NOW, "TZ": "UTC"}


def _seed(server: TodoistServer) -> None:
    server.state.tasks = [task(i) for i in range(12)]
    server.state.tasks[0]["due"] = due("2025-03-10")
    server.state.personal(TOKEN)


def _keyring_has_oo() -> bool:
    found = subprocess.run(
        ["secret-tool", "search", "--all", "service", "oo"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "todoist" in found.stdout + found.stderr


def test_nothing_is_fetched_before_consent(
    oo: RunOo, oo_home: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    _seed(todoist_server)
    result = oo("connect", "todoist", "--token-stdin", input=TOKEN + "\n", env=_env(todoist_server))
    assert result.returncode == 2
    assert "oO will read: your Todoist tasks" in result.stderr  # the consent text was shown
    assert result.stderr.splitlines()[-1].startswith("oo: connecting todoist needs your consent")
    assert todoist_server.state.requests == []  # not one byte was fetched
    assert not _keyring_has_oo()
    page = json.loads(oo("privacy", "--json").stdout)
    todoist = next(s for s in page["sources"] if s["name"] == "todoist")
    assert todoist["connected"] is False and todoist["consent"] is None


def test_consent_is_recorded_and_withdrawing_stops_the_next_pull(
    oo: RunOo, oo_home: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    _seed(todoist_server)
    env = _env(todoist_server)
    connected = oo("connect", "todoist", "--yes", "--token-stdin", input=TOKEN + "\n", env=env)
    assert connected.returncode == 0, connected.stderr
    assert _keyring_has_oo()
    consents = [
        json.loads(x)["body"]
        for x in oo("events", "--json", "--type", "consent_changed").stdout.splitlines()
    ]
    assert consents == [{"subject": "todoist", "given": True, "text_version": 1}]

    withdrawn = oo("consent", "withdraw", "todoist", env=env)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert not _keyring_has_oo()
    before = len(todoist_server.state.requests)

    from oo.daemon import jobs
    from oo.store.db import open_store

    conn = open_store()
    later = parse_iso("2025-03-10T12:00:00Z") + timedelta(hours=1)
    assert jobs.sync_due(conn, later, jobs.Backoff(), random.Random(0)) == []
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == 0
    conn.close()
    assert len(todoist_server.state.requests) == before
    refused = oo("sync", "todoist", env=env)
    assert refused.returncode != 0 and "not connected" in refused.stderr
    assert len(todoist_server.state.requests) == before


def test_the_ledger_lists_exactly_the_requests_the_server_received(
    oo: RunOo, oo_home: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    _seed(todoist_server)
    env = _env(todoist_server)
    assert (
        oo("connect", "todoist", "-y", "--token-stdin", input=TOKEN + "\n", env=env).returncode == 0
    )
    assert oo("sync", "todoist", env=env).returncode == 0
    ledger = [
        json.loads(x)
        for x in oo("privacy", "ledger", "--since", "3650d", "--json", env=env).stdout.splitlines()
    ]
    received = todoist_server.state.requests
    assert len(ledger) == len(received) > 0
    assert {row["host"] for row in ledger} == {"127.0.0.1"}
    assert sorted(r["method"] for r in ledger) == sorted(m for m, _ in received)
    with sqlite3.connect(oo_home / "oo.db") as c:
        stored = b"".join(bytes(str(row), "utf-8") for row in c.execute("SELECT * FROM egress"))
    assert TOKEN.encode() not in stored and b"/api/v1" not in stored


def test_no_secret_reaches_any_output(
    oo: RunOo, oo_home: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    _seed(todoist_server)
    todoist_server.state.tasks[0]["content"] = "CANARY-TASK-TITLE plan"
    env = _env(todoist_server)
    assert (
        oo("connect", "todoist", "-y", "--token-stdin", input=TOKEN + "\n", env=env).returncode == 0
    )
    assert oo("sync", "todoist", env=env).returncode == 0
    outputs = {
        args: oo(*args, env=env)
        for args in (
            ("privacy",),
            ("privacy", "--json"),
            ("privacy", "ledger", "--since", "3650d", "--json"),
            ("events", "--json", "-n", "1000"),
            ("status", "--json"),
            ("export",),
            ("consent", "show", "todoist"),
        )
    }
    for args, result in outputs.items():
        assert result.returncode == 0, (args, result.stderr)
        assert TOKEN not in result.stdout + result.stderr, args
    # Task titles live only in the todo tips made from them, never in the log or the ledger.
    for args in [a for a in outputs if a[0] in ("events", "privacy")]:
        assert "CANARY-TASK-TITLE" not in outputs[args].stdout, args
    assert TOKEN.encode() not in b"".join(p.read_bytes() for p in oo_home.rglob("*") if p.is_file())
