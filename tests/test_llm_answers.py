"""Each way a small model answers, over real HTTP on loopback, through the one runner the
daemon and `oo llm run` share (a real child process, killed at its deadline)."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from oo import clock, config
from oo.daemon import jobs
from oo.engine import candidates, context, parts
from oo.llm import run as runner
from oo.store import events
from tests.servers.llm import LLMServer

MODEL = "ollama_chat/qwen2.5:1.5b"


@pytest.fixture
def server(request: pytest.FixtureRequest, conn: sqlite3.Connection) -> Iterator[LLMServer]:
    with LLMServer(getattr(request, "param", "good")) as s:
        config.set_value("llm.tip-generator", MODEL)
        config.set_value("llm.api-base", s.base_url)
        yield s


def tips(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM candidates WHERE source = 'llm' ORDER BY text")
    return [dict(r) for r in rows]


def last_run(conn: sqlite3.Connection) -> Any:
    return list(events.read(conn, type="generation_run"))[-1].event.generation_run


WALK = "Take a ten-minute walk before your next task."
WATER = "Drink a glass of water and stretch your shoulders."


@pytest.mark.parametrize(
    ("server", "kept"),
    [("fenced", [WATER, WALK]), ("chatter", [WATER, WALK]), ("truncated", [WALK])],
    indirect=["server"],
)
def test_json_wrapped_or_cut_off_still_yields_its_whole_tips(
    conn: sqlite3.Connection, server: LLMServer, kept: list[str]
) -> None:
    summary = runner.generate()
    assert summary["error"] is None, summary
    assert [t["text"] for t in tips(conn)] == kept
    assert last_run(conn).accepted == len(kept)


def _kept(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return [(t["id"], t["expires_at"]) for t in tips(conn)]


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("refusal", "the model refused to write tips"),
        ("error", "127.0.0.1 answered with HTTP 500"),
    ],
)
def test_a_refusal_or_a_500_fails_the_run_and_keeps_the_tips_as_they_were(
    conn: sqlite3.Connection, server: LLMServer, mode: str, error: str, oo: Any
) -> None:
    assert runner.generate()["error"] is None
    kept = _kept(conn)
    assert len(kept) == 2
    server.mode = mode
    summary = runner.generate()
    assert summary["error"] == error
    assert _kept(conn) == kept  # neither dropped nor extended
    assert last_run(conn).error == error
    assert f"failed: {error}" in oo("status").stdout


@pytest.mark.parametrize("mode", ["slow", "hang"])
def test_a_slow_stream_or_a_hang_is_stopped_at_the_deadline(
    conn: sqlite3.Connection, server: LLMServer, mode: str, oo: Any
) -> None:
    assert runner.generate()["error"] is None
    kept = _kept(conn)
    rows_before = conn.execute("SELECT COUNT(*) FROM egress").fetchone()[0]
    config.set_value("llm.timeout-s", "2")
    server.mode = mode
    summary = runner.generate()
    error = "127.0.0.1 did not answer within 2 s; stopped"
    assert summary == {"error": error, "stopped": True}
    # The stopped run is recorded and shown; the earlier tips are not extended.
    assert last_run(conn).error == error
    assert f"failed: {error}" in oo("status").stdout
    assert _kept(conn) == kept
    # No answer of the stopped run was read (its request, when it went out, is in the ledger).
    rows = conn.execute("SELECT fields, bytes_in FROM egress ORDER BY rowid").fetchall()
    chat = [r for r in rows[rows_before:] if "now.hour" in r["fields"]]
    assert all(row["bytes_in"] == 0 for row in chat)


def test_an_expired_tip_is_never_offered(conn: sqlite3.Connection, server: LLMServer) -> None:
    assert runner.generate()["error"] is None
    now = clock.now()
    until = max(clock.parse_iso(t["expires_at"]) for t in tips(conn))
    assert until <= now + timedelta(hours=3)

    def offered(at: Any) -> set[str]:
        found = candidates.gather(conn, at, context.gather(conn, at), random.Random(0))
        return {c.text for c in found if c.source == "llm"}

    assert offered(now) == {WALK, WATER}
    assert offered(until + timedelta(seconds=1)) == set()


@pytest.mark.parametrize("server", ["hang"], indirect=True)
def test_the_daemon_generates_through_the_same_runner(
    conn: sqlite3.Connection, server: LLMServer
) -> None:
    config.set_value("llm.timeout-s", "1")
    summary = jobs.generate(clock.now())
    assert summary == {"error": "127.0.0.1 did not answer within 1 s; stopped", "stopped": True}
    assert last_run(conn).error == summary["error"]


def test_llm_test_shows_the_tips_with_their_signal_and_deadline(
    server: LLMServer, conn: sqlite3.Connection, oo: Any
) -> None:
    tested = oo("llm", "test")
    assert tested.returncode == 0, tested.stderr
    assert "Tips: 2 kept of 2; dropped: none" in tested.stdout
    assert f"[advice/rest, time:{parts.part_of_day(clock.now())}, until " in tested.stdout
    assert tips(conn) == []  # a test run stores nothing
    data = json.loads(oo("llm", "test", "--json").stdout)
    assert {t["signal"] for t in data["tips"]} == {f"time:{parts.part_of_day(clock.now())}"}
