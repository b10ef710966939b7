"""Consent, the readable event log, the privacy page and the egress ledger."""

from __future__ import annotations

import json
import os
import select
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oo.privacy import consent, egress
from oo.store.db import transaction
from tests.conftest import OO, run_oo


def event_types(*args: str) -> list[str]:
    result = run_oo("events", "--json", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["type"] for line in result.stdout.splitlines()]


def test_events_show_what_a_sequence_of_commands_did_in_order(oo_home: Path) -> None:
    run_oo("mood", "4", "--note", "fine")
    run_oo("habit", "add", "read")
    run_oo("habit", "rm", "read")
    run_oo("tip")
    run_oo("done")
    assert event_types("-n", "100") == [
        "mood_recorded",
        "habit_added",
        "habit_removed",
        "tip_decided",  # the tip
        "tip_decided",  # the standby, drawn in advance
        "reaction_recorded",  # `oo done` shows the standby
        "tip_decided",  # and the next standby is drawn in the background
    ]
    assert event_types("--type", "tip_decided") == ["tip_decided"] * 3
    assert event_types("-n", "2") == ["reaction_recorded", "tip_decided"]
    text = run_oo("events").stdout
    assert "mood_recorded" in text and "score=4 note=fine" in text


def test_events_follow_prints_new_events_as_they_happen(oo_home: Path) -> None:
    run_oo("mood", "3")
    with subprocess.Popen(
        [OO, "events", "--follow", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    ) as proc:
        try:
            assert proc.stdout is not None
            first = json.loads(proc.stdout.readline())
            assert first["type"] == "mood_recorded"
            run_oo("mood", "5", "--note", "followed")
            ready, _, _ = select.select([proc.stdout], [], [], 15)
            assert ready, "no new event within 15 s"
            new = json.loads(proc.stdout.readline())
            assert new["type"] == "mood_recorded" and new["body"]["note"] == "followed"
        finally:
            proc.terminate()


def test_unknown_event_type_is_one_clear_line(oo_home: Path) -> None:
    result = run_oo("events", "--type", "nope")
    assert result.returncode == 2 and result.stderr.startswith("oo: unknown event type 'nope'")


def test_consent_is_recorded_and_a_changed_text_asks_again(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert not consent.has_consent(conn, "todoist")
    with pytest.raises(Exception, match="no current consent for todoist"):
        consent.require(conn, "todoist")
    consent.record(conn, "todoist", given=True, now=now)
    assert consent.has_consent(conn, "todoist")
    from dataclasses import replace

    from oo.connectors.todoist import TodoistConnector

    # the connector changes its text
    newer = replace(TodoistConnector.consent, version=TodoistConnector.consent.version + 1)
    monkeypatch.setattr(TodoistConnector, "consent", newer)
    assert not consent.has_consent(conn, "todoist")
    consent.record(conn, "todoist", given=True, now=now + timedelta(minutes=1))
    assert consent.has_consent(conn, "todoist")
    consent.record(conn, "todoist", given=False, now=now + timedelta(minutes=2))
    assert not consent.has_consent(conn, "todoist")


def test_withdrawing_consent_deletes_what_was_derived(conn: sqlite3.Connection) -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    consent.record(conn, "todoist", given=True, now=now)
    with transaction(conn):
        conn.execute(
            "INSERT INTO items (source, item_id, kind, updated_at)"
            " VALUES ('todoist', '1', 'task', 't')"
        )
        conn.execute(
            "INSERT INTO candidates (id, source, source_ref, text, kind, category, created_at)"
            " VALUES ('c1', 'todoist', '1', 'Finish the canary report.', 'todo', 'tasks', 't')"
        )
    result = run_oo("consent", "withdraw", "todoist")
    assert result.returncode == 0, result.stderr
    assert "2 derived records deleted" in result.stdout
    assert conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == 0
    assert not consent.has_consent(conn, "todoist")
    assert "withdrawn" in run_oo("consent", "show", "todoist").stdout


def test_ledger_lists_exactly_what_was_recorded_and_never_a_path(
    conn: sqlite3.Connection,
) -> None:
    now = datetime.now(UTC)
    secret_url = "https://api.example.test/v1/tasks?token=canary-token-91ab"
    with transaction(conn):
        egress.record(
            conn,
            egress.Egress(secret_url, "get", "sync", "todoist", 120, 4096, 200, ("cursor",)),
            now=now - timedelta(days=10),
        )
        egress.record(
            conn,
            egress.Egress(secret_url, "get", "sync", "todoist", 100, 2048, 200),
            now=now - timedelta(hours=1),
        )
    recent = [json.loads(x) for x in run_oo("privacy", "ledger", "--json").stdout.splitlines()]
    assert [(r["host"], r["bytes_in"], r["method"]) for r in recent] == [
        ("api.example.test", 2048, "GET")
    ]
    older = run_oo("privacy", "ledger", "--since", "30d", "--json").stdout.splitlines()
    assert len(older) == 2
    page = json.loads(run_oo("privacy", "--json").stdout)
    assert page["egress"][0]["requests"] == 2 and page["egress"][0]["bytes_in"] == 6144
    for output in (run_oo("privacy").stdout, run_oo("privacy", "ledger").stdout, *older):
        assert "canary-token" not in output and "/v1/tasks" not in output
    assert run_oo("privacy", "ledger", "--since", "soon").returncode == 2


def test_privacy_page_answers_what_oo_holds(oo_home: Path) -> None:
    run_oo("mood", "2", "--note", "tired")
    run_oo("habit", "add", "walk")
    page = json.loads(run_oo("privacy", "--json").stdout)
    assert page["first_party"]["counts"] == {"moods": 1, "habits": 1, "habit_checkins": 0}
    assert {s["name"] for s in page["sources"]} >= {"todoist", "calendar"}
    assert all(not s["connected"] for s in page["sources"])
    # The default generator is a local model: nothing would leave this machine.
    assert page["llm"]["local"] is True and page["llm"]["api_base_host"] == "127.0.0.1"
    assert page["last_forget"] is None
    run_oo("forget", "--yes")
    page = json.loads(run_oo("privacy", "--json").stdout)
    assert page["last_forget"]["scope"] == "all"
    assert page["first_party"]["counts"]["moods"] == 0
    text = run_oo("privacy").stdout
    assert "Last forget" in text and "records deleted" in text


def test_a_non_local_model_gets_nothing_without_consent(oo_home: Path) -> None:
    """Before any request: a model off this machine needs consent for its context mode."""
    from oo.llm import generate

    for key, value in (
        ("llm.tip-generator", "openai/gpt-4o-mini"),
        ("llm.api-base", "https://api.example.invalid/v1"),
    ):
        assert run_oo("config", "set", key, value).returncode == 0
    summary = generate.run()  # the no-internet guard fails this test on any connection
    assert summary["error"].startswith("no consent to send redacted context")
    assert summary["tips"] == []
    runs = [
        json.loads(x)["body"]
        for x in run_oo("events", "--json", "-t", "generation_run").stdout.splitlines()
    ]
    assert runs[-1]["error"] == summary["error"]
    agreed = run_oo("llm", "consent", "--yes")
    assert agreed.returncode == 0 and "llm:redacted" in agreed.stdout
    assert consent_given(oo_home, "llm:redacted")
    assert not consent_given(oo_home, "llm:full")


def consent_given(home: Path, subject: str) -> bool:
    from oo.store.db import open_store

    conn = open_store()
    try:
        return consent.has_consent(conn, subject)
    finally:
        conn.close()
