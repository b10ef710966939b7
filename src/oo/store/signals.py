"""First-party signals: mood and habits. Each change is a current-state row plus an event,
written in one transaction."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from oo.clock import iso, parse_iso
from oo.errors import OOError
from oo.events.v1 import signals_pb2
from oo.store import events
from oo.store.db import transaction

MAX_NAME = 80
MAX_NOTE = 1000
_EVERY = re.compile(r"^(day|daily|weekdays|([1-7])x/week)$")


def _one_line(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise OOError(f"{what} is empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise OOError(f"{what} must be one line, without control characters")
    if len(text) > limit:
        raise OOError(f"{what} is {len(text)} characters; the limit is {limit}")
    return text


def parse_score(raw: str) -> int:
    try:
        score = int(raw.strip())
    except ValueError:
        score = 0
    if not 1 <= score <= 5:
        raise OOError(f"mood must be a whole number from 1 (low) to 5 (high), not {raw!r}", 2)
    return score


def record_mood(conn: sqlite3.Connection, score: int, note: str | None, *, now: datetime) -> str:
    if not 1 <= score <= 5:
        raise OOError("mood must be a whole number from 1 (low) to 5 (high)", 2)
    clean = _one_line(note, "the note", MAX_NOTE) if note is not None else None
    with transaction(conn):
        event_id = events.append(
            conn, signals_pb2.MoodRecorded(score=score, note=clean or ""), now=now
        )
        conn.execute(
            "INSERT INTO moods (id, time, score, note) VALUES (?, ?, ?, ?)",
            (event_id, iso(now), score, clean),
        )
    return event_id


def latest_mood(conn: sqlite3.Connection, *, now: datetime, within: timedelta) -> int | None:
    row = conn.execute(
        "SELECT score FROM moods WHERE time >= ? AND time <= ? ORDER BY time DESC LIMIT 1",
        (iso(now - within), iso(now)),
    ).fetchone()
    return None if row is None else int(row[0])


@dataclass(frozen=True)
class Habit:
    id: str
    name: str
    every: str
    created_at: datetime
    done_today: bool
    done_this_week: int

    def due(self, now: datetime) -> bool:
        """Due now: not done today, and today counts for its schedule."""
        if self.done_today:
            return False
        local = now.astimezone()
        if self.every == "weekdays":
            return local.weekday() < 5
        match = _EVERY.match(self.every)
        if match and match.group(2):
            return self.done_this_week < int(match.group(2))
        return True

    def to_dict(self, now: datetime) -> dict[str, object]:
        return {
            "name": self.name,
            "every": self.every,
            "done_today": self.done_today,
            "done_this_week": self.done_this_week,
            "due": self.due(now),
        }


def parse_every(raw: str) -> str:
    every = raw.strip().lower().replace(" ", "")
    if not _EVERY.match(every):
        raise OOError(f"--every takes day, weekdays or Nx/week (N from 1 to 7), not {raw!r}", 2)
    return "day" if every == "daily" else every


def add_habit(conn: sqlite3.Connection, name: str, every: str, *, now: datetime) -> Habit:
    clean = _one_line(name, "the habit name", MAX_NAME)
    schedule = parse_every(every)
    with transaction(conn):
        if _find(conn, clean) is not None:
            raise OOError(f"a habit named {clean!r} exists already")
        habit_id = events.new_id(now)
        events.append(
            conn, signals_pb2.HabitAdded(habit_id=habit_id, name=clean, every=schedule), now=now
        )
        conn.execute(
            "INSERT INTO habits (id, name, every, created_at) VALUES (?, ?, ?, ?)",
            (habit_id, clean, schedule, iso(now)),
        )
    return Habit(habit_id, clean, schedule, now, False, 0)


def _find(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT id FROM habits WHERE name = ?", (name.strip(),)).fetchone()
    return None if row is None else str(row[0])


def _require(conn: sqlite3.Connection, name: str) -> str:
    habit_id = _find(conn, name) if name.strip() else None
    if habit_id is None:
        shown = name if len(name) <= 40 and name.isprintable() else name[:40].encode()
        raise OOError(f"no habit named {shown!r}; see `oo habit list`")
    return habit_id


def check_in(conn: sqlite3.Connection, name: str, *, now: datetime) -> str:
    """Record that a habit was done now; returns the habit id."""
    with transaction(conn):
        habit_id = _require(conn, name)
        record_check_in(conn, habit_id, now=now)
    return habit_id


def record_check_in(conn: sqlite3.Connection, habit_id: str, *, now: datetime) -> None:
    """The one check-in event and row (call inside a transaction): `oo habit done`, and
    `done` on a habit nudge from any surface."""
    event_id = events.append(conn, signals_pb2.HabitCheckedIn(habit_id=habit_id), now=now)
    conn.execute(
        "INSERT INTO habit_checkins (id, habit_id, time) VALUES (?, ?, ?)",
        (event_id, habit_id, iso(now)),
    )


def remove_habit(conn: sqlite3.Connection, name: str, *, now: datetime) -> str:
    with transaction(conn):
        habit_id = _require(conn, name)
        events.append(conn, signals_pb2.HabitRemoved(habit_id=habit_id), now=now)
        conn.execute("DELETE FROM habits WHERE id = ?", (habit_id,))
    return habit_id


def _local_midnight(now: datetime) -> datetime:
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def habits(conn: sqlite3.Connection, *, now: datetime) -> list[Habit]:
    today = _local_midnight(now)
    week = today - timedelta(days=today.weekday())
    rows = conn.execute(
        "SELECT h.id, h.name, h.every, h.created_at,"
        " (SELECT COUNT(*) FROM habit_checkins c WHERE c.habit_id = h.id AND c.time >= ?"
        "  AND c.time <= ?) AS today,"
        " (SELECT COUNT(*) FROM habit_checkins c WHERE c.habit_id = h.id AND c.time >= ?"
        "  AND c.time <= ?) AS week"
        " FROM habits h ORDER BY h.name",
        (iso(today), iso(now), iso(week), iso(now)),
    )
    return [
        Habit(
            row["id"],
            row["name"],
            row["every"],
            parse_iso(row["created_at"]),
            row["today"] > 0,
            int(row["week"]),
        )
        for row in rows
    ]
