"""The standby: the next tip, drawn in advance, shown at once after a reaction, with learning
following in the background (oo.engine.current, oo.engine.catchup)."""

from __future__ import annotations

import fcntl
import json
import os
import random
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oo.engine import catchup, current, recommender
from oo.store import db
from oo.store.events import EVENT_TYPES
from oo.store.schema import KEEPS_STANDBY
from tests.conftest import OO, run_oo, settle
from tests.daemon_support import wait_for

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning


def rows(home: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(home / "oo.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def standby_id(home: Path) -> str | None:
    found = rows(home, "SELECT id FROM tips WHERE status = 'standby'")
    return str(found[0]["id"]) if found else None


def test_done_shows_the_standby_then_learns_and_draws_the_next(oo_home: Path) -> None:
    first = json.loads(run_oo("tip", "--json").stdout)
    waiting = standby_id(oo_home)
    assert waiting is not None and waiting != first["id"]
    done = run_oo("done", "--json")  # waits for the background catch-up (settle)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["id"] == waiting  # the standby, now the current tip, shown
    assert shown["status"] == "current" and shown["shown_at"] is not None
    learned = rows(oo_home, "SELECT reward, settled_at FROM rewards WHERE tip_id = ?", first["id"])
    assert learned[0]["reward"] == 1.0 and learned[0]["settled_at"] is not None
    updates = rows(oo_home, "SELECT updates FROM policy_state WHERE role = 'active'")
    assert updates[0]["updates"] == 1
    following = standby_id(oo_home)
    assert following is not None and following not in (first["id"], waiting)


def test_the_catch_up_runs_on_its_own_in_the_background(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    waiting = standby_id(oo_home)
    # Not through run_oo: nothing waits for the background here but the check below.
    subprocess.run([OO, "done"], check=True, capture_output=True, env=os.environ.copy())
    wait_for(
        lambda: standby_id(oo_home) not in (None, waiting),
        timeout=120,
        what="the next standby, drawn by the background catch-up",
    )
    assert catchup.wait(120)  # and it let go of its lock
    assert rows(oo_home, "SELECT COUNT(*) AS n FROM rewards WHERE reward = 1.0")[0]["n"] == 1


def test_a_new_signal_drops_the_standby_and_its_decision(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    waiting = standby_id(oo_home)
    assert waiting is not None
    assert run_oo("mood", "1").returncode == 0
    assert standby_id(oo_home) is None
    assert rows(oo_home, "SELECT * FROM decisions WHERE tip_id = ?", waiting) == []
    done = run_oo("done", "--json")
    assert done.returncode == 0, done.stderr
    fresh = json.loads(done.stdout)
    assert fresh["id"] != waiting  # chosen afresh, with the low mood in its context
    assert rows(oo_home, "SELECT id FROM tips WHERE id = ?", waiting) == []


def test_later_brings_the_tip_back_before_the_standby_runs_out(oo_home: Path) -> None:
    env = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    first = json.loads(run_oo("tip", "--json", env=env).stdout)
    shown = json.loads(run_oo("later", "30m", "--json", env=env).stdout)
    assert shown["id"] != first["id"]
    assert shown["expires_at"] == "2026-11-24T09:30:00.000000Z"  # not 11:00, its part's end
    back = {"OO_NOW": "2026-11-24T09:31:00+00:00", "TZ": "UTC"}
    assert json.loads(run_oo("tip", "--json", env=back).stdout)["text"] == first["text"]


def test_history_lists_no_standby(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    assert standby_id(oo_home) is not None
    listed = [json.loads(line) for line in run_oo("history", "--json").stdout.splitlines()]
    assert [tip["status"] for tip in listed] == ["current"]


def test_a_lost_catch_up_loses_no_reward(conn: sqlite3.Connection) -> None:
    """The fast half alone (as if its background process died), then the engine's next
    decision: it learns the pending reward first, then its own."""
    first = recommender.recommend(conn, NOW, random.Random(0))
    assert first is not None
    with db.transaction(conn):
        shown = current.react_at_once(conn, "done", now=NOW, later_until=None)
    assert shown is not None
    pending = conn.execute("SELECT settled_at FROM rewards WHERE tip_id = ?", (first["id"],))
    assert pending.fetchone()[0] is None
    recommender.react(
        conn, shown["id"], "dismiss", now=NOW + timedelta(minutes=1), rng=random.Random(1)
    )
    learned = dict(
        conn.execute(
            "SELECT tip_id, reward FROM rewards WHERE tip_id IN (?, ?)", (first["id"], shown["id"])
        ).fetchall()
    )
    assert learned == {first["id"]: 1.0, shown["id"]: 0.0}
    active = conn.execute("SELECT updates FROM policy_state WHERE role = 'active'").fetchone()
    assert active[0] == 2


def test_forget_waits_for_the_background_work(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    # Hold the lock as a running catch-up does.
    fd = os.open(oo_home / catchup.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        forgetting = subprocess.Popen(
            [OO, "forget", "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        with pytest.raises(subprocess.TimeoutExpired):
            forgetting.wait(timeout=2)  # still waiting: nothing deleted yet
        assert rows(oo_home, "SELECT COUNT(*) AS n FROM tips")[0]["n"] == 2
    finally:
        os.close(fd)
    out, err = forgetting.communicate(timeout=120)
    assert forgetting.returncode == 0, err
    assert "holds nothing about you" in out
    assert rows(oo_home, "SELECT COUNT(*) AS n FROM tips")[0]["n"] == 0
    settle()


def test_the_trigger_that_drops_the_standby_keeps_just_the_listed_events(
    conn: sqlite3.Connection,
) -> None:
    sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'tips_standby_dropped'"
    ).fetchone()[0]
    kept = sql.split("NOT IN (", 1)[1].split(")", 1)[0]
    assert {name.strip().strip("'") for name in kept.split(",")} == set(KEEPS_STANDBY)
    assert set(KEEPS_STANDBY) <= set(EVENT_TYPES)


def test_status_says_when_reactions_wait_to_be_learned(oo_home: Path) -> None:
    at = {"OO_NOW": "2026-11-24T09:00:00+00:00", "TZ": "UTC"}
    assert run_oo("tip", env=at).returncode == 0
    conn = db.open_store()
    try:  # the fast half alone, as if its background process died
        with db.transaction(conn):
            shown = current.react_at_once(
                conn, "done", now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC), later_until=None
            )
        assert shown is not None
    finally:
        conn.close()
    later = {"OO_NOW": "2026-11-24T09:10:00+00:00", "TZ": "UTC"}
    status = run_oo("status", env=later)
    assert "Learning: 1 reaction not learned yet" in status.stdout
    assert json.loads(run_oo("status", "--json", env=later).stdout)["unlearned_reactions"] == 1
    assert run_oo("done", env=later).returncode == 0  # the engine learns it first
    assert "Learning:" not in run_oo("status", env=later).stdout
