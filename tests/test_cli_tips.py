"""`oo tip` and reactions, end to end through the installed command."""

from __future__ import annotations

import json
import sqlite3
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
    dismissed = tip_json()
    run_oo("dismiss")
    seen = set()
    for _ in range(15):
        seen.add(tip_json()["library_id"])
        run_oo("done")
    assert dismissed["library_id"] not in seen


def test_later_brings_the_tip_back_when_its_time_comes(oo_home: Path) -> None:
    env = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    first = tip_json(env)
    result = run_oo("later", "2h", env=env)
    assert result.returncode == 0, result.stderr
    assert tip_json(env)["text"] != first["text"]
    back = {"OO_NOW": "2026-11-24T11:30:00+00:00", "TZ": "UTC"}
    run_oo("done", env=back)  # the tip shown meanwhile is done; the next one is chosen at 11:30
    returned = [tip_json(back)["text"]]
    # The returning tip has the highest score; allow for the chooser's randomness.
    for _ in range(4):
        if first["text"] in returned:
            break
        run_oo("dismiss", env=back)
        returned.append(tip_json(back)["text"])
    assert first["text"] in returned


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
