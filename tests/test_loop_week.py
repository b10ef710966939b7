"""A scripted week of the tip loop through the installed `oo`, with `OO_NOW` on a real SQLite
file: a person who answers every tip the same way (`useful`), puts some off with `later`,
and checks habits in from their nudges."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oo.engine import library
from tests.conftest import run_oo

START = datetime.fromisoformat("2026-11-23T00:00:00+00:00")  # a Monday
ENV = {"TZ": "UTC"}
TIMES = ("08:30", "12:01", "15:00", "19:00", "21:30", "23:15")
OUTDOORS = {t.id for t in library.load() if t.place == "outdoors"}


class Person:
    """Runs `oo` at a moment and keeps what was printed to them, with when."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.printed: list[tuple[datetime, dict[str, Any]]] = []

    def oo(self, at: datetime, *args: str) -> dict[str, Any] | None:
        env = {**ENV, "OO_NOW": at.isoformat()}
        result = run_oo(*args, "--json", env=env)
        assert result.returncode == 0, (args, at, result.stderr)
        if not result.stdout.strip():
            return None
        tip: dict[str, Any] = json.loads(result.stdout)
        self.printed.append((at, tip))
        return tip

    def tip(self, at: datetime) -> dict[str, Any]:
        tip = self.oo(at, "tip")
        assert tip is not None
        return tip

    def rows(self, sql: str, *params: object) -> list[sqlite3.Row]:
        with sqlite3.connect(self.home / "oo.db") as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()


def at(day: int, clock: str) -> datetime:
    hour, minute = (int(x) for x in clock.split(":"))
    return START + timedelta(days=day, hours=hour, minutes=minute)


def next_part(now: datetime) -> datetime:
    """When the next part of the day begins (05, 11, 14, 18, 22 o'clock, UTC here)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    edges = [day + timedelta(hours=h) for h in (5, 11, 14, 18, 22, 29)]
    return next(edge for edge in edges if edge > now)


HABIT = re.compile(r"^“(.+)” is still open")
# (put off at, the word, back at): every window `later` promises.
LATERS = (
    (at(0, "09:00"), "1h", at(0, "10:00")),
    (at(0, "12:01"), "2h30m", at(0, "14:31")),
    (at(1, "12:01"), "tonight", at(1, "20:00")),
    (at(1, "21:30"), "tomorrow", at(2, "09:00")),
)


def same(tip: dict[str, Any]) -> tuple[object, ...]:
    """What makes two tips the same tip: a habit nudge names its habit with the time left."""
    habit = HABIT.match(str(tip["text"])) if tip["category"] == "habit" else None
    return (tip["source"], tip["library_id"], habit.group(1) if habit else tip["text"])


def test_a_week_of_the_tip_loop(oo_home: Path) -> None:
    person = Person(oo_home)
    assert run_oo("habit", "add", "stretch", env=ENV).returncode == 0
    assert run_oo("habit", "add", "read 20 pages", env=ENV).returncode == 0

    schedule: list[tuple[datetime, str, int]] = []
    for i, (off, _, back) in enumerate(LATERS):
        schedule += [(off, "later", i), (back - timedelta(minutes=1), "not-yet", i)]
        schedule.append((back, "back", i))
    taken = {when for when, _, _ in schedule}
    for day in range(7):
        schedule += [(at(day, c), "moment", 0) for c in TIMES if at(day, c) not in taken]
    schedule.sort()

    put_off: dict[int, dict[str, Any]] = {}
    checkins = 0
    held: dict[str, datetime] = {}  # habit name -> its nudge is not back before this moment
    for moment, action, i in schedule:
        now = moment
        tip = person.tip(now)
        if action == "later":
            put_off[i] = tip
            following = person.oo(now, "later", LATERS[i][1])
            assert following is None or following["text"] != tip["text"]
            continue
        if action == "not-yet":
            assert same(tip) != same(put_off[i]), f"later {LATERS[i][1]} came back early"
            continue
        if action == "back":
            assert same(tip) == same(put_off[i]), f"later {LATERS[i][1]} not back at {now}"
        for _ in range(2):  # a couple of reactions in a row, as a person at their desk
            habit = HABIT.match(str(tip["text"])) if tip["category"] == "habit" else None
            if habit is not None:
                name = habit.group(1)
                assert now >= held.get(name, now), f"{name!r} came straight back at {now}"
            if habit is not None and checkins < 3:
                before = person.rows("SELECT COUNT(*) FROM habit_checkins")[0][0]
                following = person.oo(now, "done")
                after = person.rows("SELECT COUNT(*) FROM habit_checkins")[0][0]
                assert after == before + 1, "done on a nudge checks the habit in, once"
                checkins += 1
                held[name] = at((now - START).days + 1, "00:00")
            else:
                following = person.oo(now, "useful")
                if habit is not None:
                    held[habit.group(1)] = next_part(now)
            if following is None:
                break
            tip = following
            now += timedelta(minutes=2)

    assert checkins == 3
    rows = person.rows("SELECT COUNT(*) FROM events WHERE type = 'habit_checked_in'")
    assert rows[0][0] == 3  # one check-in event per `done` on a nudge
    # Every printed tip was marked shown exactly once, when it was first printed.
    first_print: dict[str, datetime] = {}
    for when, tip in person.printed:
        first_print.setdefault(str(tip["id"]), when)
    shown = {
        row["id"]: row["shown_at"]
        for row in person.rows("SELECT id, shown_at FROM tips WHERE shown_at IS NOT NULL")
    }
    assert set(shown) == set(first_print)
    for tip_id, when in first_print.items():
        assert datetime.fromisoformat(shown[tip_id].replace("Z", "+00:00")) == when, tip_id
    # No category fills more than 40 % of the week's tips for this even-handed person.
    categories = Counter(
        row["category"]
        for row in person.rows("SELECT category FROM tips WHERE shown_at IS NOT NULL")
    )
    total = sum(categories.values())
    assert total >= 60
    assert max(categories.values()) / total <= 0.4, categories
    # No outdoor tip after 21:00 or in quiet hours (22:00-08:00).
    for when, tip in person.printed:
        if tip["library_id"] in OUTDOORS:
            assert 8 <= when.hour < 21, (when, tip["text"])
    # An expired shown tip counted as ignored exactly once.
    ignored = person.rows(
        "SELECT tip_id, COUNT(*) AS n FROM rewards r JOIN tips t ON t.id = r.tip_id"
        " WHERE t.status = 'ignored' AND r.reward IS NOT NULL GROUP BY tip_id"
    )
    assert all(row["n"] == 1 for row in ignored)
