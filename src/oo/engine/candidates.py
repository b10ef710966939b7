"""Candidate tips from pluggable sources, and the rules that leave some out.

Sources (`SOURCES`, each `(conn, now, ctx) -> list[Candidate]`): tips put off with `later`
whose time has come (when one is due it is the only candidate: it comes back ahead of a
fresh choice), a nudge for each habit due, tips composed from the moment (`moment.py`),
tips made by sources (the `candidates` table: todos from connectors, LLM-written tips) and
the built-in library.

Left out: library tips decided in the last 3 days or dismissed in the last 14; a source's
tip done or dismissed today, `useful` earlier in this part of the day or waiting on a
`later` (`held_back`); tips about things already done; near-duplicates found by
`refresh`; what cannot be done now (`fits_now`: outdoors after dark or in quiet hours,
high energy at night or at a low mood, longer than the time before the next event);
candidates whose features are not finite numbers. At most MAX_CANDIDATES are offered:
returning tips, habit nudges, composed and sources' tips first, then a random sample of
the library.

`refresh(conn, now)` (called by the daemon and `oo sync`, never where a person waits)
finds near-duplicates with TF-IDF cosine similarity and records them.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from oo.clock import iso
from oo.engine import library, moment, parts
from oo.engine.features import Candidate, Context, library_candidate
from oo.store.db import transaction

log = logging.getLogger("oo.engine")

REPEAT_AFTER = timedelta(days=3)
BEFORE_MEETING = 30  # minutes: a "before-meeting" tip is offered this close to an event
MEALTIMES = ((11 * 60 + 30, 13 * 60 + 30), (18 * 60, 20 * 60 + 30))  # local minutes
DARK = (21 * 60, 6 * 60)  # local minutes: no outdoor tip from 21:00 to 06:00
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
DISMISS_COOLDOWN = timedelta(days=14)
MAX_CANDIDATES = 50
DUPLICATE_SIMILARITY = 0.8

Source = Callable[[sqlite3.Connection, datetime, Context], list[Candidate]]


def returning(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    """Tips put off with `later` whose time has come, the longest-waiting first. A habit
    nudge whose habit was checked in (or removed) meanwhile does not come back."""
    found = []
    for row in conn.execute(
        "SELECT id, text, kind, category, source, library_id, source_ref, later_until FROM tips"
        " WHERE status = 'later' AND later_until <= ? AND returned_at IS NULL"
        " ORDER BY later_until, id",
        (iso(now),),
    ):
        text = row["text"]
        if row["source"] == "habit":
            habit = conn.execute("SELECT name FROM habits WHERE id = ?", (row["source_ref"],))
            name = habit.fetchone()
            if name is None or row["source_ref"] not in ctx.habit_strength:
                continue
            text = moment.habit_text(name[0], now)  # the same nudge, with the time left now
        tip = _library_tip(row["library_id"])
        cand = Candidate(
            text, row["kind"], row["category"], row["source"], row["library_id"],
            row["source_ref"], returning=row["id"],
            energy=tip.energy if tip else None, minutes=tip.minutes if tip else None, fit=1.0,
            place=tip.place if tip else "any",
        )  # fmt: skip
        cand.reasons.append("you asked to see it again now")
        found.append(cand)
    return found


def habits(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    found = []
    for habit_id, strength in ctx.habit_strength.items():
        row = conn.execute("SELECT name FROM habits WHERE id = ?", (habit_id,)).fetchone()
        if row is None:
            continue
        cand = Candidate(
            moment.habit_text(row["name"], now), "todo", "habit", "habit", source_ref=habit_id,
            minutes=10, fit=1.0, urgency=1.0 - 0.5 * strength, signal="habit-due",
            expires_at=parts.part_ends(now),
        )  # fmt: skip
        cand.reasons.append(
            f"habit {row['name']!r} is due and not done today, and the {ctx.part_of_day} is"
            " running out"
        )
        found.append(cand)
    return found


def _finite(features: dict[str, object]) -> bool:
    return all(math.isfinite(v) for v in features.values() if isinstance(v, int | float))


def from_sources(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    found = []
    for row in conn.execute(
        "SELECT c.id, c.source, c.source_ref, c.text, c.kind, c.category, c.features"
        " FROM candidates c"
        " WHERE c.done_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?)"
        " AND NOT EXISTS (SELECT 1 FROM candidate_duplicates d"
        "  WHERE d.candidate_id = c.id AND d.duplicate_of IS NOT NULL)"
        " AND NOT EXISTS (SELECT 1 FROM items i WHERE i.source = c.source"
        "  AND i.item_id = c.source_ref AND i.completed_at IS NOT NULL)"
        " ORDER BY c.created_at",
        (iso(now),),
    ):
        try:
            features = json.loads(row["features"])
            if not isinstance(features, dict) or not _finite(features):
                raise ValueError("not a dict of finite numbers")
        except ValueError:
            log.warning("candidate %s has unusable features; left out", row["id"])
            continue
        cand = Candidate(
            row["text"], row["kind"], row["category"], row["source"], source_ref=row["source_ref"],
            minutes=_int(features.get("minutes")), fit=1.0 if row["kind"] == "todo" else 0.5,
        )  # fmt: skip
        overdue = features.get("overdue_days", 0) or 0
        if row["kind"] == "todo":
            cand.reasons.append(f"a task from {row['source']}")
        if isinstance(overdue, int | float) and overdue > 0:
            cand.urgency = min(1.0, 0.6 + 0.1 * overdue)
            cand.reasons.append(f"overdue {overdue:g} days")
        elif features.get("due_today"):
            cand.urgency = 0.5
            cand.reasons.append("due today")
        found.append(cand)
    return found


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _library_tip(library_id: str | None) -> library.LibraryTip | None:
    if library_id is None:
        return None
    return next((t for t in library.load() if t.id == library_id), None)


def from_library(conn: sqlite3.Connection, now: datetime, ctx: Context) -> list[Candidate]:
    recent = {
        row[0]
        for row in conn.execute(
            "SELECT library_id FROM tips WHERE library_id IS NOT NULL AND"
            " ((decided_at >= ? AND decided_at <= ?)"
            "  OR (status = 'dismissed' AND reacted_at >= ?) OR status = 'current')",
            (iso(now - REPEAT_AFTER), iso(now), iso(now - DISMISS_COOLDOWN)),
        )
    }
    found = []
    for tip in library.load():
        if tip.id in recent or not tip.fits(ctx.part_of_day):
            continue
        cand = library_candidate(tip, ctx.part_of_day)
        cand.reasons.append(
            f"made for the {ctx.part_of_day}" if cand.fit == 1.0 else "fits any time of day"
        )
        if library.BEFORE_MEETING in tip.tags:
            if ctx.minutes_to_next_event is None or ctx.minutes_to_next_event > BEFORE_MEETING:
                continue
            cand.signal = "meeting-soon"
            cand.reasons.append(f"your next event starts in {ctx.minutes_to_next_event:.0f} min")
        if library.MEALTIME in tip.tags:
            if not _mealtime(now):
                continue
            cand.signal = "mealtime"
            cand.reasons.append("it is mealtime")
        found.append(cand)
    return found


def _mealtime(now: datetime) -> bool:
    local = now.astimezone()
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in MEALTIMES)


SOURCES: dict[str, Source] = {
    "returning": returning,
    "habit": habits,
    "moment": moment.composed,
    "sources": from_sources,
    "library": from_library,
}


def _quiet_hours() -> tuple[int, int]:
    """Quiet hours (`notify.quiet_hours`) as minutes of the local day, start and end."""
    from oo import config

    text = str(config.get("notify", "quiet_hours", "22:00-08:00"))
    match = _CLOCK.match(text)
    if match is None:
        return 22 * 60, 8 * 60
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return h1 * 60 + m1, h2 * 60 + m2


def _next_start(now: datetime, *minutes: int) -> datetime:
    """The next local time (after now) at any of these minutes of the day."""
    local = now.astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    times = [midnight + timedelta(days=d, minutes=m) for d in (0, 1) for m in minutes]
    return min(t for t in times if t > local)


def _in_range(minute: int, start: int, end: int) -> bool:
    if start == end:
        return False
    return start <= minute < end if start < end else minute >= start or minute < end


def fits_now(
    cand: Candidate, ctx: Context, now: datetime, quiet: tuple[int, int] | None = None
) -> str | None:
    """Why a candidate cannot be done now, or None when it can.

    Outdoors: never after dark (DARK) or in quiet hours. High energy: never at night or
    at a mood of 1 or 2. Longer than the time before the next calendar event: never.
    A tip put off with `later` is held only by the outdoor rule (the person asked for it).
    """
    local = now.astimezone()
    minute = local.hour * 60 + local.minute
    if cand.place == "outdoors":
        quiet = quiet or _quiet_hours()
        if _in_range(minute, *DARK) or _in_range(minute, *quiet):
            return "outdoors after dark or in quiet hours"
    if cand.returning:
        return None
    if cand.energy == "high" and (
        ctx.part_of_day == "night" or (ctx.mood is not None and ctx.mood <= 2)
    ):
        return "needs more energy than now has"
    to_next = ctx.minutes_to_next_event
    if (
        cand.minutes is not None
        and to_next is not None
        and not ctx.busy_now
        and cand.minutes > to_next
    ):
        return "takes longer than the time before your next event"
    return None


def gather(
    conn: sqlite3.Connection, now: datetime, ctx: Context, rng: random.Random
) -> list[Candidate]:
    """The candidates for this decision, at most MAX_CANDIDATES, without repeats."""
    held = held_back(conn, now)
    quiet = _quiet_hours()
    seen: set[str] = set()
    found: list[Candidate] = []
    for name, source in SOURCES.items():
        for cand in source(conn, now, ctx):
            key = cand.key
            if key in seen or (cand.returning is None and cand.source_ref in held):
                continue
            if fits_now(cand, ctx, now, quiet) is not None:
                continue
            if cand.place == "outdoors":  # it ends when the dark or the quiet hours begin
                dark = _next_start(now, DARK[0], quiet[0])
                cand.expires_at = min(cand.expires_at or dark, dark)
            seen.add(key)
            found.append(cand)
        if name == "returning" and found:
            # A tip put off with `later` comes back ahead of a fresh choice, one at a time,
            # the longest-waiting first: deterministic, never left to the draw.
            return found[:1]
    if len(found) <= MAX_CANDIDATES:
        return found
    # Library tips beyond the cap are sampled at random: no category is starved, and the
    # log records the candidates offered, so evaluation stays conditional on them.
    fixed = [c for c in found if c.source != "library"][:MAX_CANDIDATES]
    pool = [c for c in found if c.source == "library"]
    return fixed + rng.sample(pool, max(0, MAX_CANDIDATES - len(fixed)))


def held_back(conn: sqlite3.Connection, now: datetime) -> set[str]:
    """Source refs (a habit, a task, a composed moment) not offered fresh now: done or
    dismissed today, `useful` earlier in this part of the day, or waiting on a `later`
    (that tip comes back itself, at its time)."""
    local = now.astimezone()
    today = iso(local.replace(hour=0, minute=0, second=0, microsecond=0))
    part_start = iso(parts.part_starts(now))
    return {
        row[0]
        for row in conn.execute(
            "SELECT source_ref FROM tips WHERE source_ref IS NOT NULL AND ("
            " (status IN ('dismissed', 'done') AND reacted_at >= ?)"
            " OR (status = 'useful' AND reacted_at >= ?)"
            " OR (status = 'later' AND returned_at IS NULL))",
            (today, part_start),
        )
    }


def refresh(conn: sqlite3.Connection, now: datetime) -> int:
    """Find near-duplicates among new source candidates (TF-IDF cosine >= 0.8 to a library
    tip or an earlier candidate) and record them; returns how many were left out.

    Runs where no one waits (the daemon, `oo sync`): it loads scikit-learn.
    """
    from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]  # heavy
        TfidfVectorizer,
    )
    from sklearn.metrics.pairwise import cosine_similarity  # type: ignore[import-untyped]

    rows = conn.execute(
        "SELECT c.id, c.text FROM candidates c WHERE c.done_at IS NULL AND NOT EXISTS"
        " (SELECT 1 FROM candidate_duplicates d WHERE d.candidate_id = c.id)"
        " ORDER BY c.created_at"
    ).fetchall()
    if not rows:
        return 0
    kept = conn.execute(
        "SELECT c.id, c.text FROM candidates c JOIN candidate_duplicates d"
        " ON d.candidate_id = c.id WHERE d.duplicate_of IS NULL AND c.done_at IS NULL"
    ).fetchall()
    known = [(f"library:{t.id}", t.text) for t in library.load()]
    known += [(r["id"], r["text"]) for r in kept]
    texts = [t for _, t in known] + [r["text"] for r in rows]
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sims = cosine_similarity(matrix[len(known) :], matrix)
    dropped = 0
    with transaction(conn):
        for i, row in enumerate(rows):
            limit = len(known) + i  # compare with the library and earlier candidates only
            best = int(sims[i, :limit].argmax()) if limit else 0
            score = float(sims[i, best]) if limit else 0.0
            ids = [k for k, _ in known] + [r["id"] for r in rows]
            is_dup = score >= DUPLICATE_SIMILARITY
            if is_dup:
                # an earlier duplicate points at what it repeats; keep the first of a family
                duplicate_of = ids[best]
                dropped += 1
            else:
                duplicate_of = None
            conn.execute(
                "INSERT OR REPLACE INTO candidate_duplicates"
                " (candidate_id, duplicate_of, similarity, checked_at) VALUES (?, ?, ?, ?)",
                (row["id"], duplicate_of, round(score, 4), iso(now)),
            )
            if is_dup:
                sims[:, limit] = 0.0  # a dropped candidate is nobody's original
    return dropped
