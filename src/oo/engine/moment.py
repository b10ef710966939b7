"""Tips composed from the moment: offline, from the signals of now, with no model.

Each composed tip names the signal it is tied to (shown by `oo why`), is at most
MAX_TEXT characters, and expires when its moment passes (the gap ends, the part of the
day changes). Signals, one tip each at most:

- free-block: a free block before the next calendar event, and the task that fits it;
- task-due: the most pressing overdue or due-today task, named with why now;
- meeting-run: the gap right after a long run of meetings;
- low-mood-evening: a mood of 1 or 2 logged today, in the evening;
- late-night: still up after 23:00.

Habit nudges (a habit not done yet, with the part of the day that is left) are composed
by `habit_text` for the habit source. Standard library only.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta

from oo.clock import iso, parse_iso
from oo.engine.features import Candidate, Context
from oo.engine.parts import PARTS, part_ends, part_of_day

MAX_TEXT = 100
FREE_BLOCK_MIN = 20  # minutes: less is not a block worth naming
FREE_BLOCK_MAX = 180  # more is an open afternoon, not a gap
MEETING_RUN = timedelta(hours=2)  # this much time in meetings, back to back, is a run
MEETING_GAP = timedelta(minutes=10)  # meetings this close count as back to back
AFTER_RUN = timedelta(minutes=20)  # how long "right after the run" lasts
LATE_NIGHT_HOUR = 23
_TASK = re.compile(r"^Finish “(.+)”: (.+)\.$")


def _left(now: datetime) -> str:
    minutes = int((part_ends(now) - now).total_seconds() // 60)
    if minutes >= 90:
        return f"{round(minutes / 60)} hours"
    if minutes >= 60:
        return "an hour"
    return f"{minutes} minutes"


def habit_text(name: str, now: datetime) -> str:
    """A habit nudge tied to the part of the day that is left."""
    part = part_of_day(now)
    tail = f" is still open, with {_left(now)} of the {part} left."
    room = MAX_TEXT - len(tail) - 2
    short = name if len(name) <= room else name[: room - 1].rstrip() + "…"
    return f"“{short}”{tail}"


def _fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 2].rstrip() + "…."


def _title(text: str, room: int) -> tuple[str, str] | None:
    """(title, why) from a todo tip's text (`Finish “TITLE”: WHY.`), the title cut to fit."""
    match = _TASK.match(text)
    if match is None:
        return None
    title, why = match.group(1), match.group(2)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "…"
    return title, why


def _tasks(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Open todo candidates from task sources, the most pressing first."""
    rows = conn.execute(
        "SELECT c.source, c.source_ref, c.text, c.features FROM candidates c"
        " WHERE c.kind = 'todo' AND c.done_at IS NULL"
        " AND (c.expires_at IS NULL OR c.expires_at > ?)"
        " AND NOT EXISTS (SELECT 1 FROM items i WHERE i.source = c.source"
        "  AND i.item_id = c.source_ref AND i.completed_at IS NOT NULL)"
        " ORDER BY c.created_at",
        (iso(now),),
    ).fetchall()

    def pressure(row: sqlite3.Row) -> float:
        import json

        try:
            f = json.loads(row["features"])
        except ValueError:
            return 0.0
        return float(f.get("overdue_days", 0) or 0) * 2 + float(f.get("due_today", 0) or 0)

    return sorted(rows, key=pressure, reverse=True)


def _composed(text: str, category: str, signal: str, reason: str, until: datetime) -> Candidate:
    cand = Candidate(
        _fit(text),
        "advice",
        category,
        "moment",
        source_ref=f"moment:{signal}",
        minutes=10,
        fit=1.0,
        urgency=0.5,
        signal=signal,
        expires_at=until,
    )
    cand.reasons.append(f"tied to now ({signal}): {reason}")
    return cand


def free_block(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    gap, to_next = ctx.free_block_minutes, ctx.minutes_to_next_event
    if ctx.busy_now or gap is None or to_next is None:
        return []
    if not FREE_BLOCK_MIN <= gap <= FREE_BLOCK_MAX:
        return []
    minutes = int(gap)
    until = now + timedelta(minutes=minutes)
    head = f"You have {minutes} free minutes before your next event: start “"
    for row in _tasks(conn, now):
        found = _title(row["text"], MAX_TEXT - len(head) - 3)
        if found is None:
            continue
        cand = _composed(
            f"{head}{found[0]}”.",
            "focus",
            "free-block",
            f"a free block of {minutes} minutes before your next event, and a task to fill it",
            until,
        )
        cand.kind = "todo"
        cand.minutes = min(minutes, 25)
        return [cand]
    if minutes < 30:
        return []
    return [
        _composed(
            f"You have {minutes} free minutes before your next event: give them to one task.",
            "focus",
            "free-block",
            f"a free block of {minutes} minutes before your next event",
            until,
        )
    ]


def task_due(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    if not (ctx.overdue or ctx.due_today) or ctx.busy_now:
        return []
    part = ctx.part_of_day
    if part == "night":
        return []
    for row in _tasks(conn, now):
        tail = f" now, with {_left(now)} of the {part} left: "
        found = _title(row["text"], 60)
        if found is None:
            continue
        title, why = found
        text = f"Start “{title}”{tail}{why}."
        if len(text) > MAX_TEXT:
            text = f"Start “{title}” now: {why}."
        cand = _composed(
            text,
            "planning",
            "task-due",
            f"a task: {why}, and the {part} is running out",
            part_ends(now),
        )
        cand.kind = "todo"
        cand.minutes = 15
        cand.urgency = 0.8
        return [cand]
    return []


def meeting_run(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    if ctx.busy_now or ctx.busy_now is None:
        return []
    rows = conn.execute(
        "SELECT start, end FROM items WHERE kind = 'event' AND busy = 1 AND all_day = 0"
        " AND end <= ? AND end > ? ORDER BY end DESC",
        (iso(now), iso(now - timedelta(hours=8))),
    ).fetchall()
    if not rows:
        return []
    try:
        spans = [(parse_iso(r["start"]), parse_iso(r["end"])) for r in rows]
    except ValueError:
        return []
    last_end = spans[0][1]
    if now - last_end > AFTER_RUN:
        return []
    run_start, total = spans[0][0], spans[0][1] - spans[0][0]
    for start, end in spans[1:]:
        if run_start - end > MEETING_GAP:
            break
        total += end - start
        run_start = min(run_start, start)
    if total < MEETING_RUN:
        return []
    hours = total.total_seconds() / 3600
    span = f"{hours:.0f} hours" if hours >= 1.5 else "an hour and more"
    until = last_end + AFTER_RUN
    if ctx.minutes_to_next_event is not None:
        until = min(until, now + timedelta(minutes=ctx.minutes_to_next_event))
    return [
        _composed(
            f"That was {span} of meetings: step away from the screen for ten minutes now.",
            "rest",
            "meeting-run",
            f"{span} of meetings just ended",
            until,
        )
    ]


def low_mood_evening(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    if ctx.part_of_day != "evening" or ctx.mood is None or ctx.mood > 2:
        return []
    return [
        _composed(
            "A heavy day: choose one small comfort for tonight, like a warm drink or a call.",
            "mood",
            "low-mood-evening",
            f"a low mood ({ctx.mood} of 5) this evening",
            part_ends(now),
        )
    ]


def late_night(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    local = now.astimezone()
    if not (local.hour >= LATE_NIGHT_HOUR or local.hour < PARTS[0][0]):
        return []
    when = "past midnight" if local.hour < LATE_NIGHT_HOUR else "past eleven"
    return [
        _composed(
            f"It's {when}: put the screen away and let the day end here.",
            "sleep",
            "late-night",
            f"it is {local:%H:%M}, late at night",
            part_ends(now),
        )
    ]


COMPOSERS = (free_block, task_due, meeting_run, low_mood_evening, late_night)


def composed(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    """Every tip the moment composes now (a candidate source)."""
    found: list[Candidate] = []
    for compose in COMPOSERS:
        found.extend(compose(conn, now, ctx))
    return found
