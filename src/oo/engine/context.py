"""The context at decision time, read from the store. Standard library only.

A signal oO cannot see is None (no mood recorded lately, no task source, no calendar),
so the policy and `oo why` can tell "unknown" from "zero".
"""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime, timedelta

from oo.clock import iso, parse_iso
from oo.engine.features import Context
from oo.engine.parts import part_of_day
from oo.store import signals

MOOD_WINDOW = timedelta(hours=12)
MOOD_TREND_WINDOW = timedelta(days=3)
HABIT_HALF_LIFE_DAYS = 7.0
HABIT_WINDOW = timedelta(days=28)


def _minutes(now: datetime, then: str | None) -> float | None:
    if then is None:
        return None
    # A clock that jumped backwards gives 0, never a negative age.
    return max(0.0, (now - parse_iso(then)).total_seconds() / 60)


def _mood(conn: sqlite3.Connection, now: datetime) -> tuple[int | None, float | None]:
    rows = conn.execute(
        "SELECT time, score FROM moods WHERE time >= ? AND time <= ? ORDER BY time DESC",
        (iso(now - MOOD_TREND_WINDOW), iso(now)),
    ).fetchall()
    if not rows or parse_iso(rows[0]["time"]) < now - MOOD_WINDOW:
        return None, None
    latest = int(rows[0]["score"])
    earlier = [int(r["score"]) for r in rows[1:]]
    trend = (latest - sum(earlier) / len(earlier)) / 4 if earlier else 0.0
    return latest, trend


def habit_strength(conn: sqlite3.Connection, habit_id: str, now: datetime) -> float:
    """A decaying score of recent check-ins: 1 for a daily habit kept every day lately,
    halving every week without them; 0..1."""
    total = 0.0
    for (time,) in conn.execute(
        "SELECT time FROM habit_checkins WHERE habit_id = ? AND time >= ? AND time <= ?",
        (habit_id, iso(now - HABIT_WINDOW), iso(now)),
    ):
        age = (now - parse_iso(time)).total_seconds() / 86400
        total += 0.5 ** (age / HABIT_HALF_LIFE_DAYS)
    daily_max = 1 / (1 - 0.5 ** (1 / HABIT_HALF_LIFE_DAYS))  # every day, forever
    return float(min(1.0, total / daily_max * 1.6))


def _local_day(now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone()
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def _due(text: str) -> datetime:
    if len(text) == 10:  # a date without a time: the start of that local day
        return datetime.fromisoformat(text).astimezone()
    return parse_iso(text)


def _tasks(conn: sqlite3.Connection, now: datetime) -> tuple[int | None, int | None]:
    if conn.execute("SELECT 1 FROM items WHERE kind = 'task' LIMIT 1").fetchone() is None:
        return None, None
    start, end = _local_day(now)
    overdue = due_today = 0
    for (due,) in conn.execute(
        "SELECT due FROM items WHERE kind = 'task' AND completed_at IS NULL AND due IS NOT NULL"
    ):
        try:
            when = _due(due)
        except ValueError:
            continue
        if when < start:
            overdue += 1
        elif when < end:
            due_today += 1
    return overdue, due_today


# How far ahead the next event is looked for: the calendar connector's whole window. Free
# (TRANSPARENT) events are neither busy nor the next event, as in the calendar itself.
NEXT_EVENT_HORIZON = timedelta(days=7)


def _calendar(
    conn: sqlite3.Connection, now: datetime
) -> tuple[bool | None, float | None, float | None]:
    if conn.execute("SELECT 1 FROM items WHERE kind = 'event' LIMIT 1").fetchone() is None:
        return None, None, None
    horizon = now + NEXT_EVENT_HORIZON
    busy_until: datetime | None = None
    next_start: datetime | None = None
    for row in conn.execute(
        "SELECT start, end, busy FROM items WHERE kind = 'event' AND all_day = 0"
        " AND start IS NOT NULL AND end IS NOT NULL AND start <= ? AND end > ?",
        (iso(horizon), iso(now - timedelta(days=1))),
    ):
        try:
            start, end = parse_iso(row["start"]), parse_iso(row["end"])
        except ValueError:
            continue
        if start <= now < end and row["busy"]:
            busy_until = max(busy_until or end, end)
        elif start > now and row["busy"] and (next_start is None or start < next_start):
            next_start = start
    to_next = None if next_start is None else (next_start - now).total_seconds() / 60
    if busy_until is not None:
        free = 0.0
    elif to_next is None:
        free = 24 * 60.0
    else:
        free = to_next
    return busy_until is not None, to_next, free


def gather(conn: sqlite3.Connection, now: datetime) -> Context:
    local = now.astimezone()
    mood, trend = _mood(conn, now)
    last_tip = conn.execute(
        "SELECT MAX(decided_at) FROM tips WHERE decided_at <= ?", (iso(now),)
    ).fetchone()[0]
    last_reaction = conn.execute(
        "SELECT MAX(reacted_at) FROM tips WHERE status NOT IN ('current', 'ignored')"
        " AND reacted_at <= ?",
        (iso(now),),
    ).fetchone()[0]
    due = [h for h in signals.habits(conn, now=now) if h.due(now)]
    overdue, due_today = _tasks(conn, now)
    busy, to_next, free = _calendar(conn, now)
    ctx = Context(
        hour=local.hour + local.minute / 60,
        weekday=local.weekday(),
        part_of_day=part_of_day(now),
        mood=mood,
        mood_trend=trend,
        minutes_since_tip=_minutes(now, last_tip),
        minutes_since_reaction=_minutes(now, last_reaction),
        habits_due=len(due),
        habit_strength={h.id: habit_strength(conn, h.id, now) for h in due},
        overdue=overdue,
        due_today=due_today,
        busy_now=busy,
        minutes_to_next_event=to_next,
        free_block_minutes=free,
    )
    for name in ("minutes_since_tip", "minutes_since_reaction", "free_block_minutes"):
        value = getattr(ctx, name)
        if value is not None and not math.isfinite(value):
            setattr(ctx, name, None)
    return ctx
