"""The egress ledger names the fields each request carried (never their values).

Real parts: the `oo` command, the Secret Service keyring (scripts/test), the loopback Todoist
server and the SQLite file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from oo.privacy.egress import request_fields
from tests.conftest import run_oo
from tests.servers.todoist import TodoistServer, task

pytestmark = pytest.mark.desktop

TOKEN = "ledgertoken0123456789abcdef01234567"


def test_a_todoist_sync_records_the_field_names_it_sent(
    oo_home: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    todoist_server.state.tasks = [task(i) for i in range(3)]
    todoist_server.state.personal(TOKEN)
    env = {"OO_NOW": "2025-03-10T09:00:00+00:00"}
    connected = run_oo("connect", "todoist", "--yes", "--token-stdin", input=TOKEN + "\n", env=env)
    assert connected.returncode == 0, connected.stderr
    synced = run_oo("sync", env=env)
    assert synced.returncode == 0, synced.stderr
    with sqlite3.connect(oo_home / "oo.db") as conn:
        rows = conn.execute("SELECT purpose, fields FROM egress ORDER BY time, id").fetchall()
    recorded = [set(json.loads(fields)) for _, fields in rows]
    assert rows and all(recorded), rows  # no request is recorded as carrying nothing
    assert all("header.authorization" in r for r in recorded)  # the token went along
    tasks = [r for r in recorded if "query.limit" in r]
    assert tasks, recorded  # the task pages' query parameters, by name
    text = " ".join(fields for _, fields in rows)
    assert TOKEN not in text and "Bearer" not in text


def test_field_names_come_from_the_query_the_body_and_credential_headers() -> None:
    assert request_fields("a=1&b=&a=2", "", b"", ["Host", "User-Agent"]) == ("query.a", "query.b")
    form = request_fields(
        "", "application/x-www-form-urlencoded", b"grant_type=x&code=secret", ["Authorization"]
    )
    assert form == ("form.grant_type", "form.code", "header.authorization")
    body = json.dumps({"model": "m", "messages": ["private words"]}).encode()
    assert request_fields("", "application/json", body, []) == ("json.model", "json.messages")
    assert request_fields("", "text/plain", b"private words", []) == ("body",)
    assert "secret" not in str(form)
