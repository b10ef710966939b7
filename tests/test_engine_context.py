"""Context and candidates as the policy sees them: explicit unknowns, sources, dedup."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta

from oo.clock import iso
from oo.engine import candidates, context, features
from oo.store import signals

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _task(conn: sqlite3.Connection, item_id: str, due: str, completed: str | None = None) -> None:
    conn.execute(
        "INSERT INTO items (source, item_id, kind, due, completed_at, updated_at)"
        " VALUES ('todoist', ?, 'task', ?, ?, ?)",
        (item_id, due, completed, iso(NOW)),
    )


def _event(conn: sqlite3.Connection, item_id: str, start: datetime, end: datetime) -> None:
    conn.execute(
        "INSERT INTO items (source, item_id, kind, start, end, busy, updated_at)"
        " VALUES ('calendar', ?, 'event', ?, ?, 1, ?)",
        (item_id, iso(start), iso(end), iso(NOW)),
    )


def _candidate(conn: sqlite3.Connection, cid: str, text: str, **features_: object) -> None:
    conn.execute(
        "INSERT INTO candidates (id, source, source_ref, text, kind, category, features,"
        " created_at) VALUES (?, 'todoist', ?, ?, 'todo', 'planning', ?, ?)",
        (cid, f"task-{cid}", text, json.dumps(features_), iso(NOW)),
    )


def test_missing_signals_are_unknown_not_zero(conn: sqlite3.Connection) -> None:
    ctx = context.gather(conn, NOW)
    assert ctx.mood is None and ctx.overdue is None and ctx.busy_now is None
    vector = dict(zip(features.CONTEXT_FEATURES, features.context_vector(ctx), strict=True))
    assert vector["mood_known"] == 0.0
    signals.record_mood(conn, 2, None, now=NOW - timedelta(hours=1))
    known = dict(
        zip(
            features.CONTEXT_FEATURES,
            features.context_vector(context.gather(conn, NOW)),
            strict=True,
        )
    )
    assert known["mood_known"] == 1.0 and known["mood"] == -0.5


def test_tasks_and_calendar_become_signals(conn: sqlite3.Connection) -> None:
    yesterday = (NOW - timedelta(days=1)).astimezone().date().isoformat()
    _task(conn, "a", yesterday)
    _task(conn, "b", iso(NOW + timedelta(hours=2)))
    _task(conn, "c", yesterday, completed=iso(NOW))
    _event(conn, "busy", NOW - timedelta(minutes=10), NOW + timedelta(minutes=20))
    _event(conn, "next", NOW + timedelta(minutes=90), NOW + timedelta(minutes=120))
    ctx = context.gather(conn, NOW)
    assert (ctx.overdue, ctx.busy_now) == (1, True)
    assert ctx.free_block_minutes == 0.0
    assert ctx.minutes_to_next_event == 90.0
    later = context.gather(conn, NOW + timedelta(minutes=30))
    assert later.busy_now is False and later.free_block_minutes == 60.0


def test_habit_strength_decays_without_check_ins(conn: sqlite3.Connection) -> None:
    signals.add_habit(conn, "Walk", "day", now=NOW - timedelta(days=30))
    habit_id = conn.execute("SELECT id FROM habits").fetchone()[0]
    for days in range(1, 15):
        signals.check_in(conn, "Walk", now=NOW - timedelta(days=days))
    kept = context.habit_strength(conn, habit_id, NOW)
    lapsed = context.habit_strength(conn, habit_id, NOW + timedelta(days=14))
    assert 0.5 < kept <= 1.0
    assert lapsed < kept / 2


def test_done_tasks_and_bad_features_are_left_out(conn: sqlite3.Connection) -> None:
    _candidate(conn, "1", "Send the invoice to Ana", overdue_days=2)
    _candidate(conn, "2", "Book the dentist", due_today=True)
    _task(conn, "task-2", NOW.date().isoformat(), completed=iso(NOW))
    conn.execute(
        "INSERT INTO candidates (id, source, source_ref, text, kind, category, features,"
        " created_at) VALUES ('3', 'todoist', 'task-3', 'Broken', 'todo', 'planning',"
        " '{\"overdue_days\": NaN}', ?)",
        (iso(NOW),),
    )
    ctx = context.gather(conn, NOW)
    found = candidates.gather(conn, NOW, ctx, random.Random(0))
    texts = {c.text for c in found if c.source == "todoist"}
    assert texts == {"Send the invoice to Ana"}
    invoice = next(c for c in found if c.source == "todoist")
    assert invoice.urgency > 0.5 and "overdue 2 days" in invoice.reasons


def test_refresh_drops_near_duplicates_once(conn: sqlite3.Connection) -> None:
    _candidate(conn, "1", "Call the bank about the mortgage renewal today")
    _candidate(conn, "2", "Call the bank about the mortgage renewal today please")
    _candidate(conn, "3", "Water the plants on the balcony")
    assert candidates.refresh(conn, NOW) == 1
    assert candidates.refresh(conn, NOW) == 0  # already checked
    ctx = context.gather(conn, NOW)
    texts = [c.text for c in candidates.gather(conn, NOW, ctx, random.Random(0))]
    assert "Call the bank about the mortgage renewal today" in texts
    assert "Call the bank about the mortgage renewal today please" not in texts
    assert "Water the plants on the balcony" in texts


def test_candidates_stay_within_the_cap(conn: sqlite3.Connection) -> None:
    ctx = context.gather(conn, NOW)
    found = candidates.gather(conn, NOW, ctx, random.Random(0))
    assert 5 <= len(found) <= candidates.MAX_CANDIDATES
    assert len({c.key for c in found}) == len(found)
