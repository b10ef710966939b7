"""Where a generated tip came from stays with the tip: in history, `oo why` and the export,
after the next generation has replaced the candidates it was chosen from."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from oo import clock, config
from oo.engine import parts
from oo.llm import generate
from oo.store import events
from tests.servers.llm import LLMServer

MODEL = "ollama_chat/qwen2.5:1.5b"


@pytest.fixture
def server(conn: sqlite3.Connection) -> Iterator[LLMServer]:
    with LLMServer("good") as s:
        config.set_value("llm.tip-generator", MODEL)
        config.set_value("llm.api-base", s.base_url)
        yield s


def record_tip_from(conn: sqlite3.Connection, candidate: sqlite3.Row) -> str:
    """The tips row the engine writes when it chooses a candidate (recommender.recommend)."""
    now = clock.now()
    tip_id = events.new_id(now)
    with conn:
        conn.execute(
            "INSERT INTO tips (id, text, kind, category, source, source_ref, library_id,"
            " decided_at, expires_at, policy, propensity, why)"
            " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, 'test/1', 0.5, '{}')",
            (
                tip_id, candidate["text"], candidate["kind"], candidate["category"],
                candidate["source"], candidate["source_ref"], clock.iso(now),
                clock.iso(now + timedelta(hours=12)),  # longer than the candidate's moment
            ),
        )  # fmt: skip
    return tip_id


def test_provenance_outlives_the_candidates(
    conn: sqlite3.Connection, server: LLMServer, oo: Any
) -> None:
    assert generate.run()["error"] is None
    run_id = list(events.read(conn, type="generation_run"))[-1].id
    chosen = conn.execute(
        "SELECT * FROM candidates WHERE source = 'llm' ORDER BY text LIMIT 1"
    ).fetchone()
    tip_id = record_tip_from(conn, chosen)
    # The tip ends with its moment, not with the engine's longer default.
    expires = conn.execute("SELECT expires_at FROM tips WHERE id = ?", (tip_id,)).fetchone()[0]
    assert expires == chosen["expires_at"]
    server.reply = lambda body: json.dumps(
        {"tips": [{"text": "Tidy one shelf.", "category": "home", "signal": "now"}]}
    )
    assert generate.run()["error"] is None
    assert (
        conn.execute("SELECT COUNT(*) FROM candidates WHERE id = ?", (chosen["id"],)).fetchone()[0]
        == 0
    )  # the candidate is gone

    expected = {
        "model_alias": "tip-generator",
        "model": MODEL,
        "run_id": run_id,
        "prompt_version": "2",
        "signal": f"time:{parts.part_of_day(clock.now())}",
    }
    why = json.loads(oo("why", "--tip", tip_id, "--json").stdout)
    assert why["provenance"] == expected
    shown = oo("why", "--tip", tip_id).stdout
    assert f"Written by {MODEL} (tip-generator), run {run_id}, prompt v2" in shown
    exported = [json.loads(line) for line in oo("export").stdout.splitlines()]
    (row,) = [e["row"] for e in exported if e["kind"] == "tips" and e["row"]["id"] == tip_id]
    assert {k: row[k] for k in expected} == expected
    listed = [json.loads(line) for line in oo("history", "--json").stdout.splitlines()]
    assert [t["provenance"] for t in listed if t["id"] == tip_id] == [expected]
    assert f"(written by {MODEL}, run {run_id})" in oo("history").stdout


def test_other_tips_carry_no_provenance(conn: sqlite3.Connection, oo: Any) -> None:
    assert oo("tip").returncode == 0
    why = json.loads(oo("why", "--json").stdout)
    assert why["provenance"] is None
    assert "Written by" not in oo("why").stdout
