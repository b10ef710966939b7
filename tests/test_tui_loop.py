"""The watch face reacts as the command line does: `d` on a habit nudge checks the habit in,
`l 1` brings the same tip back an hour later, and every tip drawn on the face is shown."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

from oo.engine import recommender
from oo.store import signals
from oo.tui.app import WatchApp
from tests.test_tui import AFTERNOON, FIRST, FakeClock, put_tip, run, status_of


def _nudge_is_current(conn: sqlite3.Connection) -> str:
    signals.add_habit(conn, "stretch", "day", now=AFTERNOON - timedelta(days=1))
    for seed in range(30):
        tip = recommender.recommend(conn, AFTERNOON, random.Random(seed))
        assert tip is not None
        if tip["source"] == "habit":
            return str(tip["id"])
        recommender.react(conn, tip["id"], "dismiss", now=AFTERNOON)
    raise AssertionError("no habit nudge was offered")


def test_done_on_a_nudge_checks_the_habit_in(conn: sqlite3.Connection) -> None:
    nudge = _nudge_is_current(conn)

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert "stretch" in app.tip_text
        await pilot.press("d")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert "stretch" not in app.tip_text

    run(scenario)
    assert status_of(conn, nudge)["status"] == "done"
    assert conn.execute("SELECT COUNT(*) FROM habit_checkins").fetchone()[0] == 1
    (habit,) = signals.habits(conn, now=AFTERNOON)
    assert habit.done_today


def test_later_one_hour_brings_the_same_tip_back_on_the_face(conn: sqlite3.Connection) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)
    clock = FakeClock()

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("l")  # type: ignore[attr-defined]
        await pilot.press("1")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.tip_text != FIRST
        clock.advance(59 * 60)
        app.tick()
        assert app.tip_text != FIRST
        clock.advance(60)
        app.tick()
        assert app.tip_text == FIRST

    run(scenario, clock)
    assert status_of(conn, tip_id)["status"] == "later"
    back = conn.execute(
        "SELECT shown_at FROM tips WHERE text = ? AND status = 'current'", (FIRST,)
    ).fetchone()
    assert back is not None and back["shown_at"] is not None  # drawn, so shown
