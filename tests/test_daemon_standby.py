"""A new signal (a sync, a mood) drops the standby tip; the real daemon (`oo daemon run` in
a subprocess) draws the next one, so the next reaction still shows its tip at once.

Real parts: the `oo` command, the SQLite file and the daemon's child processes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oo.daemon import jobs
from oo.engine import recommender
from oo.store import signals
from tests.conftest import run_oo
from tests.daemon_support import Daemons, db, wait_for

pytestmark = pytest.mark.desktop

NOW = "2025-03-05T12:00:00+00:00"
ENV = {"OO_NOW": NOW, "TZ": "UTC"}


def _tips(home: Path) -> dict[str, str]:
    with db(home) as conn:
        rows = conn.execute("SELECT id, status FROM tips WHERE status IN ('current', 'standby')")
        return {row["status"]: row["id"] for row in rows}


def test_the_daemon_draws_the_standby_a_new_signal_dropped(oo_home: Path, daemons: Daemons) -> None:
    assert run_oo("tip", env=ENV).returncode == 0
    shown = _tips(oo_home)
    assert set(shown) == {"current", "standby"}
    assert run_oo("mood", "2", env=ENV).returncode == 0
    assert _tips(oo_home) == {"current": shown["current"]}  # the new signal dropped it

    daemons.start(OO_NOW=NOW)
    wait_for(lambda: "standby" in _tips(oo_home), timeout=120, what="the daemon's standby")
    drawn = _tips(oo_home)
    assert drawn["current"] == shown["current"]  # the tip on screen stays
    daemons.kill_all()

    done = run_oo("done", env=ENV)
    assert done.returncode == 0, done.stderr
    assert _tips(oo_home)["current"] == drawn["standby"]  # shown at once: the one drawn


def test_the_daemon_asks_for_a_standby_only_beside_a_live_tip_without_one(
    conn: sqlite3.Connection,
) -> None:
    now = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    tip = recommender.recommend(conn, now)
    assert tip is not None
    assert jobs.needs_standby(conn, now) is None  # it was drawn beside the tip
    signals.record_mood(conn, 2, None, now=now)  # a new signal drops it
    assert jobs.needs_standby(conn, now) is not None
    over = datetime.fromisoformat(tip["expires_at"]) + timedelta(minutes=1)
    assert jobs.needs_standby(conn, over) is None  # the tip is over: a choice, not a standby
