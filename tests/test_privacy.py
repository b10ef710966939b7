"""Export holds everything and no secret; forget leaves no deleted text in any file oO owns."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_oo

CANARY_NOTE = "canary-mood-7f3a9c"
CANARY_HABIT = "canary-habit-b21e44"


def owned_bytes(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def fill(home: Path) -> None:
    assert run_oo("mood", "2", "--note", CANARY_NOTE).returncode == 0
    assert run_oo("habit", "add", CANARY_HABIT).returncode == 0
    assert run_oo("habit", "done", CANARY_HABIT).returncode == 0
    for _ in range(3):
        assert run_oo("tip").returncode == 0
        assert run_oo("done").returncode == 0


def test_export_holds_everything_as_json_lines(oo_home: Path) -> None:
    fill(oo_home)
    result = run_oo("export")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    header = records[0]
    assert header["kind"] == "oo.export" and header["format"] == 1
    kinds = {r["kind"] for r in records[1:]}
    assert {"moods", "habits", "habit_checkins", "tips", "event"} <= kinds
    moods = [r["row"] for r in records if r["kind"] == "moods"]
    assert moods[0]["note"] == CANARY_NOTE
    events = [r["row"] for r in records if r["kind"] == "event"]
    mood_events = [e for e in events if e["type"] == "mood_recorded"]
    assert mood_events[0]["body"] == {"score": 2, "note": CANARY_NOTE}
    with sqlite3.connect(oo_home / "oo.db") as c:
        assert len(events) == c.execute("SELECT COUNT(*) FROM events").fetchone()[0]


def test_export_to_a_private_file(oo_home: Path, tmp_path: Path) -> None:
    fill(oo_home)
    out = tmp_path / "mine.jsonl"
    result = run_oo("export", "--out", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.stat().st_mode & 0o777 == 0o600
    assert CANARY_NOTE in out.read_text()


def test_forget_refuses_without_yes_when_not_interactive(oo_home: Path) -> None:
    fill(oo_home)
    result = run_oo("forget")
    assert result.returncode == 2
    assert "--yes" in result.stderr and len(result.stderr.splitlines()) == 1
    assert CANARY_NOTE in run_oo("export").stdout


def test_forget_leaves_no_deleted_text_in_any_file(oo_home: Path) -> None:
    fill(oo_home)
    (oo_home / "logs").mkdir()
    (oo_home / "logs" / "oo.log").write_text(f"saw {CANARY_HABIT}\n")
    shown = [json.loads(x)["text"] for x in run_oo("history", "--json").stdout.splitlines()]
    assert len(shown) == 4
    before = b"".join(owned_bytes(oo_home).values())
    assert CANARY_NOTE.encode() in before and CANARY_HABIT.encode() in before
    result = run_oo("forget", "--yes")
    assert result.returncode == 0, result.stderr
    files = owned_bytes(oo_home)
    for name, data in files.items():
        for canary in (CANARY_NOTE, CANARY_HABIT, *shown):
            assert canary.encode() not in data, f"{canary!r} left in {name}"
    assert not (oo_home / "logs").exists()
    export = [json.loads(x) for x in run_oo("export").stdout.splitlines()]
    events = [r["row"] for r in export if r["kind"] == "event"]
    assert [e["type"] for e in events] == ["data_deleted"]
    counts = events[0]["body"]["counts"]
    assert counts["moods"] == "1" and counts["habits"] == "1"
    assert [r for r in export[1:] if r["kind"] != "event"] == []


@pytest.mark.parametrize("command", [("status", "--json"), ("history", "--json"), ("export",)])
def test_outputs_hold_no_secret_environment(oo_home: Path, command: tuple[str, ...]) -> None:
    """oO never copies its environment into output: a planted secret stays out."""
    secret = "sk-canary-0123456789abcdef"
    env = {"OPENAI_API_KEY": secret, "TODOIST_TOKEN": secret}
    fill(oo_home)
    result = run_oo(*command, env=env)
    assert result.returncode == 0
    assert secret not in result.stdout + result.stderr
    assert all(secret.encode() not in data for data in owned_bytes(oo_home).values())


def test_forget_empties_every_table_and_export_covers_every_table(oo_home: Path) -> None:
    """New tables cannot slip past forget or export: both work over all data tables."""
    fill(oo_home)
    from oo.store.db import data_tables, open_store

    conn = open_store()
    tables = set(data_tables(conn))
    conn.close()
    kinds = {json.loads(x)["kind"] for x in run_oo("export").stdout.splitlines()[1:]}
    nonempty = {"moods", "habits", "habit_checkins", "tips"}
    assert nonempty <= kinds and "event" in kinds
    assert run_oo("forget", "--yes").returncode == 0
    with sqlite3.connect(oo_home / "oo.db") as c:
        left = {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    assert {t: n for t, n in left.items() if n} == {"events": 1}
