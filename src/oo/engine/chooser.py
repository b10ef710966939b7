"""The first chooser: simple, documented rules over the library, habits and returning tips.

Rules (see docs/engine.md):
- Candidates: library tips that fit the part of the day; a nudge for each habit due and
  not done today; tips put off with `later` whose time has come; tips made by sources
  (the `candidates` table: todos from connectors, LLM-written tips).
- Left out: library tips decided in the last 3 days, tips dismissed in the last 14 days,
  habit nudges dismissed today, and high-energy tips at night.
- Scores: fitting this part of the day exactly +1 (an all-day tip +0.5); a due habit +4; a
  returning tip +4; with a low recent mood (1-2, last 12 h) low-energy +1, gentle categories
  +0.5 and high-energy -1.5; with a high mood (4-5) medium/high-energy +0.5.
- Choice: the ten best (ties broken at random) are drawn with softmax probabilities
  (temperature 0.5), so the choice varies, and its probability is recorded as the propensity.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oo.clock import iso
from oo.engine import library
from oo.store import signals

POLICY = "rules"
POLICY_VERSION = "1"
SHORTLIST = 10
TEMPERATURE = 0.5
REPEAT_AFTER = timedelta(days=3)
DISMISS_COOLDOWN = timedelta(days=14)
MOOD_WINDOW = timedelta(hours=12)
GENTLE = {"mood", "rest", "mindfulness", "relationships", "sleep"}

# Part of the day by local hour: (name, first hour); night wraps past midnight.
_BOUNDARIES = ((5, "morning"), (11, "midday"), (14, "afternoon"), (18, "evening"), (22, "night"))


def part_of_day(moment: datetime) -> str:
    hour = moment.astimezone().hour
    part = "night"
    for start, name in _BOUNDARIES:
        if hour >= start:
            part = name
    return part


def next_boundary(moment: datetime) -> datetime:
    """The local time at which the next part of the day begins."""
    local = moment.astimezone()
    for start, _ in _BOUNDARIES:
        candidate = local.replace(hour=start, minute=0, second=0, microsecond=0)
        if candidate > local:
            return candidate
    tomorrow = local + timedelta(days=1)
    return tomorrow.replace(hour=_BOUNDARIES[0][0], minute=0, second=0, microsecond=0)


def expiry(now: datetime) -> datetime:
    """A tip lasts until the part of the day changes (at least 45 minutes)."""
    end = next_boundary(now)
    if end - now < timedelta(minutes=45):
        end = next_boundary(end + timedelta(seconds=1))
    return end


@dataclass
class Candidate:
    text: str
    kind: str
    category: str
    source: str
    library_id: str | None = None
    source_ref: str | None = None
    score: float = 1.0
    reasons: list[str] = field(default_factory=list)
    returning: str | None = None  # id of the tip put off with `later`

    def add(self, amount: float, reason: str) -> None:
        self.score += amount
        self.reasons.append(f"{amount:+.1f} {reason}")


def habit_text(name: str) -> str:
    return f"Your habit “{name}” is still open today; a few minutes now count."


def candidates(conn: sqlite3.Connection, now: datetime) -> list[Candidate]:
    part = part_of_day(now)
    mood = signals.latest_mood(conn, now=now, within=MOOD_WINDOW)
    recent = {
        row[0]
        for row in conn.execute(
            "SELECT library_id FROM tips WHERE library_id IS NOT NULL AND"
            " (decided_at >= ? OR (status = 'dismissed' AND reacted_at >= ?))",
            (iso(now - REPEAT_AFTER), iso(now - DISMISS_COOLDOWN)),
        )
    }
    today = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    dismissed_refs = {
        row[0]
        for row in conn.execute(
            "SELECT source_ref FROM tips WHERE source_ref IS NOT NULL AND status = 'dismissed'"
            " AND reacted_at >= ?",
            (iso(today),),
        )
    }
    found: list[Candidate] = []
    for row in conn.execute(
        "SELECT id, text, kind, category, source, library_id, source_ref FROM tips"
        " WHERE status = 'later' AND later_until <= ? AND returned_at IS NULL",
        (iso(now),),
    ):
        cand = Candidate(
            row["text"],
            row["kind"],
            row["category"],
            row["source"],
            row["library_id"],
            row["source_ref"],
            returning=row["id"],
        )
        cand.add(4.0, "you asked to see it again now")
        found.append(cand)
    returning_refs = {c.library_id or c.source_ref for c in found}

    for habit in signals.habits(conn, now=now):
        if not habit.due(now) or habit.id in dismissed_refs or habit.id in returning_refs:
            continue
        cand = Candidate(habit_text(habit.name), "todo", "habit", "habit", source_ref=habit.id)
        cand.add(4.0, f"habit {habit.name!r} is due and not done today")
        found.append(cand)

    for row in conn.execute(
        "SELECT source, source_ref, text, kind, category, features FROM candidates"
        " WHERE done_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
        " ORDER BY created_at",
        (iso(now),),
    ):
        ref = row["source_ref"]
        if ref in dismissed_refs or ref in returning_refs:
            continue
        cand = Candidate(row["text"], row["kind"], row["category"], row["source"], source_ref=ref)
        features = json.loads(row["features"])
        if row["kind"] == "todo":
            cand.add(2.0, f"a task from {row['source']}")
        if features.get("overdue_days", 0) > 0:
            cand.add(1.5, f"overdue {features['overdue_days']} days")
        elif features.get("due_today"):
            cand.add(1.0, "due today")
        found.append(cand)

    for tip in library.load():
        if tip.id in recent or tip.id in returning_refs or not tip.fits(part):
            continue
        if part == "night" and tip.energy == "high":
            continue
        cand = Candidate(tip.text, "advice", tip.category, "library", library_id=tip.id)
        if part in tip.when:
            cand.add(1.0, f"made for the {part}")
        else:
            cand.add(0.5, "fits any time of day")
        if mood is not None and mood <= 2:
            if tip.energy == "low":
                cand.add(1.0, f"asks little energy; recent mood {mood}/5")
            if tip.category in GENTLE:
                cand.add(0.5, f"gentle ({tip.category}); recent mood {mood}/5")
            if tip.energy == "high":
                cand.add(-1.5, f"asks a lot of energy; recent mood {mood}/5")
        elif mood is not None and mood >= 4 and tip.energy != "low":
            cand.add(0.5, f"uses your energy; recent mood {mood}/5")
        found.append(cand)
    return found


def choose(found: list[Candidate], rng: random.Random) -> tuple[Candidate, float] | None:
    """Draw one candidate from the shortlist; returns it with its probability."""
    if not found:
        return None
    order = sorted(found, key=lambda c: (-c.score, rng.random()))
    shortlist = order[:SHORTLIST]
    top = shortlist[0].score
    weights = [math.exp((c.score - top) / TEMPERATURE) for c in shortlist]
    total = sum(weights)
    pick = rng.choices(range(len(shortlist)), weights=weights)[0]
    return shortlist[pick], weights[pick] / total
