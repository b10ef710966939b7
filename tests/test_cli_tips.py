"""`oo tip` and reactions, end to end through the installed command."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import run_oo


def tip_json(env: dict[str, str] | None = None) -> dict[str, object]:
    result = run_oo("tip", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def db_rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "oo.db") as conn:
        return conn.execute(sql).fetchall()


def test_fresh_install_shows_one_tip_at_once(oo_home: Path) -> None:
    result = run_oo("tip")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and 10 < len(lines[0]) <= 140
    assert "!" not in lines[0]


def test_tip_stays_the_same_until_reacted_to(oo_home: Path) -> None:
    first = tip_json()
    assert set(first) >= {"id", "text", "kind", "category", "source", "shown_at"}
    assert first["kind"] in {"advice", "todo"}
    assert first["shown_at"] is not None
    assert tip_json() == first
    assert run_oo("tip").stdout.strip() == first["text"]


def test_done_records_the_reaction_and_shows_the_next_tip(oo_home: Path) -> None:
    first = tip_json()
    result = run_oo("done")
    assert result.returncode == 0, result.stderr
    second = tip_json()
    assert second["id"] != first["id"]
    assert result.stdout.strip() == second["text"]
    history = [json.loads(x) for x in run_oo("history", "--json").stdout.splitlines()]
    assert [h["id"] for h in history] == [second["id"], first["id"]]
    assert history[1]["status"] == "done"
    reactions = db_rows(oo_home, "SELECT COUNT(*) FROM events WHERE type='reaction_recorded'")
    assert reactions == [(1,)]


def test_each_reaction_is_recorded_with_its_name(oo_home: Path) -> None:
    for command, status in [("useful", "useful"), ("dismiss", "dismissed"), ("done", "done")]:
        before = tip_json()
        assert run_oo(command).returncode == 0
        row = db_rows(oo_home, f"SELECT status FROM tips WHERE id = '{before['id']}'")
        assert row == [(status,)]


def test_a_dismissed_tip_does_not_come_back_soon(oo_home: Path) -> None:
    """Dismissed through `oo dismiss`, a library tip stays out of the candidates for its
    whole 14-day cooldown, well past the 3-day rule that keeps any tip from repeating."""
    from oo.engine import candidates, context
    from oo.store.db import open_store

    env = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    dismissed = tip_json(env)
    assert run_oo("dismiss", env=env).returncode == 0
    start = datetime.fromisoformat(env["OO_NOW"])

    def offered(days: int) -> set[str | None]:
        now = start + timedelta(days=days)
        with open_store() as conn:
            ctx = context.gather(conn, now)
            return {c.library_id for c in candidates.from_library(conn, now, ctx)}

    assert dismissed["library_id"] not in offered(5)
    assert dismissed["library_id"] not in offered(13)
    assert dismissed["library_id"] in offered(15)


def test_later_brings_the_tip_back_when_its_time_comes(oo_home: Path) -> None:
    env = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    first = tip_json(env)
    result = run_oo("later", "2h", env=env)
    assert result.returncode == 0, result.stderr
    assert tip_json(env)["text"] != first["text"]
    almost = {"OO_NOW": "2026-11-24T10:59:00+00:00", "TZ": "UTC"}
    assert tip_json(almost)["text"] != first["text"]
    back = {"OO_NOW": "2026-11-24T11:00:00+00:00", "TZ": "UTC"}
    # Due back, it is the current tip at once: ahead of any fresh choice, never left to chance.
    assert tip_json(back)["text"] == first["text"]


def test_the_tip_printed_after_a_reaction_is_shown_then(oo_home: Path) -> None:
    env = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    tip_json(env)
    at = {"OO_NOW": "2026-11-24T09:05:00+00:00", "TZ": "UTC"}
    result = run_oo("useful", "--json", env=at)
    printed = json.loads(result.stdout)
    assert printed["shown_at"] == "2026-11-24T09:05:00.000000Z"
    later = {"OO_NOW": "2026-11-24T12:00:00+00:00", "TZ": "UTC"}
    tip_json(later)  # it expired at 11:00: shown and unanswered, so ignored, once
    rows = db_rows(oo_home, f"SELECT status FROM tips WHERE id = '{printed['id']}'")
    assert rows == [("ignored",)]
    rewarded = db_rows(oo_home, f"SELECT reward FROM rewards WHERE tip_id = '{printed['id']}'")
    assert rewarded == [(0.1,)]


def test_later_rejects_what_it_cannot_read(oo_home: Path) -> None:
    tip_json()
    result = run_oo("later", "soonish")
    assert result.returncode == 2
    assert result.stderr.startswith("oo: cannot read 'soonish'")
    assert len(result.stderr.splitlines()) == 1


def test_tip_expires_with_the_part_of_day_and_counts_as_ignored(oo_home: Path) -> None:
    morning = {"OO_NOW": "2026-11-24T08:00:00+00:00", "TZ": "UTC"}
    first = tip_json(morning)
    assert first["expires_at"] == "2026-11-24T11:00:00.000000Z"
    afternoon = {"OO_NOW": "2026-11-24T15:00:00+00:00", "TZ": "UTC"}
    second = tip_json(afternoon)
    assert second["id"] != first["id"]
    assert db_rows(oo_home, f"SELECT status FROM tips WHERE id='{first['id']}'") == [("ignored",)]


def test_habit_nudge_appears_and_settles_when_done(oo_home: Path) -> None:
    assert run_oo("habit", "add", "stretch", "--every", "day").returncode == 0
    seen = []
    for _ in range(6):
        tip = tip_json()
        seen.append(tip)
        if tip["category"] == "habit":
            break
        run_oo("dismiss")
    nudge = seen[-1]
    assert nudge["category"] == "habit" and "stretch" in str(nudge["text"])
    assert run_oo("habit", "done", "stretch").returncode == 0
    assert db_rows(oo_home, f"SELECT status FROM tips WHERE id='{nudge['id']}'") == [("done",)]
    assert tip_json()["category"] != "habit"
    listed = json.loads(run_oo("habit", "list", "--json").stdout)
    assert listed == [
        {"name": "stretch", "every": "day", "done_today": True, "done_this_week": 1, "due": False}
    ]


def test_habit_add_list_rm(oo_home: Path) -> None:
    assert run_oo("habit", "add", "read", "--every", "3x/week").returncode == 0
    assert run_oo("habit", "add", "walk", "--every", "weekdays").returncode == 0
    out = run_oo("habit", "list").stdout
    assert "read  (every 3x/week" in out and "walk  (every weekdays" in out
    assert run_oo("habit", "rm", "read").returncode == 0
    assert "read" not in run_oo("habit", "list").stdout
    dup = run_oo("habit", "add", "WALK")
    assert dup.returncode == 1 and "exists already" in dup.stderr


def test_mood_is_recorded_with_its_note(oo_home: Path) -> None:
    result = run_oo("mood", "2", "--note", "slept badly")
    assert result.returncode == 0 and result.stdout == "Mood 2/5 recorded.\n"
    assert db_rows(oo_home, "SELECT score, note FROM moods") == [(2, "slept badly")]


def test_low_mood_favours_gentle_low_energy_tips(oo_home: Path) -> None:
    from oo.engine import library

    energy = {t.id: t.energy for t in library.load()}
    env = {"OO_NOW": "2026-11-24T15:00:00+00:00", "TZ": "UTC"}
    run_oo("mood", "1", env=env)
    picks = []
    for _ in range(8):
        picks.append(tip_json(env)["library_id"])
        run_oo("done", env=env)
    assert sum(energy[str(p)] == "low" for p in picks) >= 7


def test_status_reports_where_data_lives(oo_home: Path) -> None:
    run_oo("mood", "4")
    info = json.loads(run_oo("status", "--json").stdout)
    assert info["data_dir"] == str(oo_home)
    assert info["schema_version"] >= 1
    assert info["counts"]["moods"] == 1
    assert info["sources"] == [] and info["egress"] == []
    assert info["size_bytes"] > 0
    text = run_oo("status").stdout
    assert str(oo_home) in text and "nothing has left this machine" in text


def test_version_and_help(oo_home: Path) -> None:
    from oo import __version__

    assert run_oo("--version").stdout == f"oo {__version__}\n"
    helptext = run_oo("--help").stdout
    for command in ("tip", "done", "later", "history", "mood", "habit", "export", "forget"):
        assert f"  {command} " in helptext
