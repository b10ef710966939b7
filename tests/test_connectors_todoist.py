"""Todoist: due dates, todo tips, and syncs against a loopback server that speaks API v1."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oo import secrets
from oo.connectors import freshness, todoist
from oo.connectors.sync import disconnect, sync
from oo.store.install import install_id
from tests.connectors_support import (  # noqa: F401
    connect,
    real_keyring,
    todoist_server,
    utc,
)
from tests.servers.todoist import TodoistServer, due, task

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def test_due_date_in_its_three_forms(utc: None) -> None:
    date_only = todoist.parse_due("2025-03-10")
    assert date_only is not None and date_only[:2] == ("2025-03-10", False)
    floating = todoist.parse_due("2025-03-10T15:00:00")
    assert floating is not None and floating[0] == "2025-03-10T15:00:00.000000Z" and floating[1]
    fixed = todoist.parse_due("2025-03-10T15:00:00Z")
    assert fixed is not None and fixed[0] == "2025-03-10T15:00:00.000000Z"
    assert todoist.parse_due("tomorrow") is None and todoist.parse_due(None) is None


def test_todo_tips_name_the_task_and_why_now(utc: None) -> None:
    tasks = [
        task(1, content="Write the report", due=due("2025-03-10")),
        task(2, content="Pay rent", due=due("2025-03-08"), priority=2),
        task(3, content="Call the bank", due=due("2025-03-09")),
        task(4, content="Fix the roof!!", priority=4),
        task(5, content="Someday", due=due("2025-04-01")),
        task(6, content="Meeting prep", due=due("2025-03-10T15:00:00Z")),
    ]
    pull = todoist.build(tasks, [], NOW)
    texts = [c.text for c in pull.candidates]
    assert texts == [
        "Finish “Pay rent”: it is 2 days overdue.",
        "Finish “Call the bank”: it was due yesterday.",
        "Finish “Write the report”: it is due today.",
        "Finish “Meeting prep”: it is due today at 15:00.",
        "Finish “Fix the roof”: you marked it urgent.",
    ]
    assert pull.candidates[0].features == {"overdue_days": 2, "due_today": 0, "priority": 2}
    assert len(pull.items) == 6
    assert all("Someday" not in json.dumps(i.__dict__) for i in pull.items)


@settings(max_examples=200, deadline=None)
@given(title=st.text(max_size=400), days=st.integers(-5, 40), priority=st.integers(-3, 9))
def test_any_task_makes_a_short_calm_sentence(title: str, days: int, priority: int) -> None:
    date = (NOW.date() - timedelta(days=days)).isoformat()
    pull = todoist.build([task(1, content=title, due=due(date), priority=priority)], [], NOW)
    for cand in pull.candidates:
        assert len(cand.text) <= 140 and "!" not in cand.text and "\n" not in cand.text
        assert cand.text.startswith("Finish “") and cand.text.endswith(".")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                ["id", "due", "priority", "labels", "content", "project_id", "checked"]
            ),
            st.none()
            | st.integers()
            | st.text(max_size=12)
            | st.lists(st.text(max_size=5))
            | st.dictionaries(st.just("date"), st.text(max_size=25)),
        ),
        max_size=8,
    )
)
def test_tasks_with_missing_or_odd_fields_never_crash(tasks: list[dict[str, object]]) -> None:
    todoist.build(tasks, tasks, NOW)


def _connect(conn: sqlite3.Connection, server: TodoistServer) -> None:
    token = server.state.issue()
    connect(
        conn,
        "todoist",
        "person@example.com",
        {**token, "kind": "oauth", "expires_at": time.time() + 3600},
        method="oauth",
        now=NOW,
    )


def _fill(server: TodoistServer, n: int) -> None:
    server.state.tasks = [task(i) for i in range(n)]
    server.state.tasks[0]["due"] = due("2025-03-09")
    server.state.tasks[1]["priority"] = 4


def test_sync_pages_through_every_task_and_is_idempotent(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 450)
    _connect(conn, todoist_server)
    first = sync(conn, "todoist", now=NOW)
    assert first.ok and first.items == 450 and first.candidates == 2
    pages = [p for m, p in todoist_server.state.requests if p == "/api/v1/tasks"]
    assert len(pages) == 3  # 200 + 200 + 50
    second = sync(conn, "todoist", now=NOW + timedelta(minutes=1))
    assert second.ok
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 450
    assert conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == 2
    hosts = {r["host"] for r in conn.execute("SELECT host FROM egress")}
    assert hosts == {"127.0.0.1"}
    assert conn.execute("SELECT COUNT(*) FROM egress").fetchone()[0] == 8
    row = conn.execute("SELECT * FROM sources").fetchone()
    assert freshness.describe(row, NOW + timedelta(minutes=5))["state"] == "ok"
    assert freshness.describe(row, NOW + timedelta(minutes=30))["state"] == "stale"


def test_a_task_completed_at_todoist_marks_its_tip_done(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 3)
    _connect(conn, todoist_server)
    assert sync(conn, "todoist", now=NOW).candidates == 2
    done = todoist_server.state.tasks.pop(0)
    todoist_server.state.completed = [
        {**done, "checked": True, "completed_at": "2025-03-10T09:30:00Z"}
    ]
    assert sync(conn, "todoist", now=NOW + timedelta(hours=1)).ok
    rows = conn.execute("SELECT source_ref, done_at FROM candidates ORDER BY source_ref")
    state = {r["source_ref"]: r["done_at"] for r in rows}
    assert state[done["id"]] is not None
    assert (
        conn.execute("SELECT completed_at FROM items WHERE item_id = ?", (done["id"],)).fetchone()[
            0
        ]
        == "2025-03-10T09:30:00.000000Z"
    )


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("500", "server error (HTTP 500)"),
        ("html", "text/html instead of JSON"),
        ("missing", "without the 'results' list"),
        ("slow", "did not answer in time"),
    ],
)
def test_a_failed_pull_changes_nothing(
    conn: sqlite3.Connection,
    real_keyring: None,
    todoist_server: TodoistServer,
    utc: None,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    words: str,
) -> None:
    monkeypatch.setenv("OO_HTTP_TIMEOUT", "0.3")
    todoist_server.state.slow_s = 1
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    assert sync(conn, "todoist", now=NOW).ok
    before = [tuple(r) for r in conn.execute("SELECT * FROM items ORDER BY item_id")]
    todoist_server.state.faults.add(fault)
    todoist_server.state.tasks = []
    result = sync(conn, "todoist", now=NOW + timedelta(minutes=20))
    assert not result.ok and words in (result.error or "")
    assert [tuple(r) for r in conn.execute("SELECT * FROM items ORDER BY item_id")] == before
    row = conn.execute("SELECT * FROM sources").fetchone()
    assert row["last_success"] == "2025-03-10T09:00:00.000000Z" and words in row["last_error"]


def test_429_waits_as_told_then_succeeds(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    todoist_server.state.faults.add("429")
    todoist_server.state.retry_after = 7
    waits: list[float] = []
    connector = todoist.TodoistConnector(sleep=waits.append)
    assert sync(conn, "todoist", now=NOW, connector=connector).ok
    assert waits == [7]
    statuses = [r[0] for r in conn.execute("SELECT status FROM egress ORDER BY id")]
    assert 429 in statuses


def test_a_revoked_token_means_reconnect_needed_after_one_refresh_attempt(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    todoist_server.state.access.clear()
    todoist_server.state.refresh.clear()  # revoked at Todoist: the refresh token too
    result = sync(conn, "todoist", now=NOW)
    assert not result.ok and (result.error or "").startswith("reconnect needed")
    assert todoist_server.state.requests == [
        ("GET", "/api/v1/tasks"),
        ("POST", "/oauth/access_token"),
    ]
    row = conn.execute("SELECT * FROM sources").fetchone()
    assert freshness.describe(row, NOW)["state"] == "reconnect needed"
    assert freshness.due(conn, NOW) == []


def test_an_expired_token_is_refreshed_and_the_rotated_one_saved(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    old = todoist_server.state.issue()
    todoist_server.state.access[old["access_token"]] = time.time() - 10  # expired there too
    connect(
        conn,
        "todoist",
        "person@example.com",
        {**old, "kind": "oauth", "expires_at": time.time() - 10},
        method="oauth",
        now=NOW,
    )
    assert sync(conn, "todoist", now=datetime.now(UTC)).ok
    saved = secrets.load("todoist", "person@example.com", install=install_id(conn))
    assert saved is not None and saved["refresh_token"] != old["refresh_token"]
    assert old["refresh_token"] not in todoist_server.state.refresh  # rotated away
    assert sync(conn, "todoist", now=datetime.now(UTC)).ok  # the new token works


def test_disconnect_revokes_and_wipes_even_when_revocation_fails(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    assert sync(conn, "todoist", now=NOW).ok
    token = secrets.load("todoist", "person@example.com", install=install_id(conn))
    assert token is not None
    todoist_server.state.faults.add("revoke-500")
    result = disconnect(conn, "todoist", now=NOW)
    assert not result.revoked and "HTTP 500" in (result.revoke_error or "")
    assert secrets.load("todoist", "person@example.com", install=install_id(conn)) is None
    for table in ("items", "candidates", "sources"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM egress").fetchone()[0] > 0  # history stays


def test_disconnect_revokes_at_todoist(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _connect(conn, todoist_server)
    token = secrets.load("todoist", "person@example.com", install=install_id(conn))
    assert token is not None
    result = disconnect(conn, "todoist", now=NOW, forget=True)
    assert result.revoked and todoist_server.state.revoked == [token["access_token"]]
    assert conn.execute("SELECT COUNT(*) FROM events WHERE source = 'todoist'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM egress").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("no-ids", "(task 1 has no id)"),
        ("wrong-types", "(task 1 has a str priority)"),
    ],
)
def test_a_page_off_the_documented_shape_is_an_error_not_an_empty_account(
    conn: sqlite3.Connection,
    real_keyring: None,
    todoist_server: TodoistServer,
    utc: None,
    fault: str,
    words: str,
) -> None:
    _fill(todoist_server, 450)
    _connect(conn, todoist_server)
    assert sync(conn, "todoist", now=NOW).ok
    before = [tuple(r) for r in conn.execute("SELECT * FROM items ORDER BY item_id")]
    tips = conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0]
    todoist_server.state.faults.add(fault)
    result = sync(conn, "todoist", now=NOW + timedelta(minutes=20))
    assert not result.ok and "does not match its documented shape" in (result.error or "")
    assert words in (result.error or "")
    assert [tuple(r) for r in conn.execute("SELECT * FROM items ORDER BY item_id")] == before
    assert conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == tips == 2
    row = conn.execute("SELECT * FROM sources").fetchone()
    assert row["last_success"] == "2025-03-10T09:00:00.000000Z"
    assert freshness.describe(row, NOW + timedelta(minutes=20))["state"] != "ok"


def test_a_401_on_a_valid_looking_token_refreshes_once_and_retries(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    old = secrets.load("todoist", "person@example.com", install=install_id(conn))
    assert old is not None
    todoist_server.state.access.clear()  # Todoist dropped the access token; refresh still works
    result = sync(conn, "todoist", now=NOW)
    assert result.ok and result.items == 5, result.error
    assert todoist_server.state.requests[:3] == [
        ("GET", "/api/v1/tasks"),
        ("POST", "/oauth/access_token"),
        ("GET", "/api/v1/tasks"),
    ]
    saved = secrets.load("todoist", "person@example.com", install=install_id(conn))
    assert saved is not None and saved["access_token"] != old["access_token"]
    assert saved["refresh_token"] != old["refresh_token"]
    assert sync(conn, "todoist", now=NOW).ok  # the rotated token works


def test_a_503_with_retry_after_waits_as_told_then_succeeds(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    todoist_server.state.faults.add("503")
    todoist_server.state.retry_after = 5
    waits: list[float] = []
    connector = todoist.TodoistConnector(sleep=waits.append)
    assert sync(conn, "todoist", now=NOW, connector=connector).ok
    assert waits == [5]


def test_a_503_that_keeps_failing_is_retried_a_bounded_number_of_times(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, utc: None
) -> None:
    _fill(todoist_server, 5)
    _connect(conn, todoist_server)
    todoist_server.state.faults.add("503-bare")
    waits: list[float] = []
    connector = todoist.TodoistConnector(sleep=waits.append)
    result = sync(conn, "todoist", now=NOW, connector=connector)
    assert not result.ok and "HTTP 503" in (result.error or "") and waits == []
    todoist_server.state.faults = {"503"}
    todoist_server.state.retry_after = 2

    def wait(seconds: float) -> None:  # the server never recovers: the 503 comes back
        waits.append(seconds)
        todoist_server.state.faults.add("503")

    result = sync(conn, "todoist", now=NOW, connector=todoist.TodoistConnector(sleep=wait))
    assert not result.ok and "unavailable for 2 s" in (result.error or "")
    assert waits == [2, 2, 2]  # four attempts in all
