"""The tip loop in the engine, on a real store: reactions' timing, tips composed from the
moment, candidate rules that drop what cannot be done now, and variety in the draw."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from oo.clock import iso
from oo.engine import candidates, chooser, context, library, moment, recommender
from oo.engine.features import Candidate
from oo.engine.later import parse_later
from oo.errors import OOError
from oo.store import signals

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _tip(conn: sqlite3.Connection, now: datetime = NOW, seed: int = 0) -> sqlite3.Row:
    row = recommender.recommend(conn, now, random.Random(seed))
    assert row is not None
    return row


def _library_ids(conn: sqlite3.Connection, now: datetime) -> set[str]:
    ctx = context.gather(conn, now)
    return {c.library_id for c in candidates.from_library(conn, now, ctx) if c.library_id}


def test_dismiss_keeps_a_tip_away_for_its_whole_cooldown(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    assert tip["library_id"]
    recommender.react(conn, tip["id"], "dismiss", now=NOW)
    # Past the 3-day repeat rule, only the dismissal keeps it away.
    for days in (4, 8, 13):
        assert tip["library_id"] not in _library_ids(conn, NOW + timedelta(days=days))
    assert tip["library_id"] in _library_ids(conn, NOW + timedelta(days=15))


def test_a_tip_put_off_comes_back_at_its_time_ahead_of_any_fresh_choice(
    conn: sqlite3.Connection,
) -> None:
    tip = _tip(conn)
    back = NOW + timedelta(hours=1)
    _, following = recommender.react(conn, tip["id"], "later", now=NOW, later_until=back)
    assert following is not None
    # The tip shown meanwhile ends when the put-off tip is due back.
    assert following["expires_at"] == iso(back)
    assert _tip(conn, back - timedelta(minutes=1))["id"] == following["id"]
    for seed in range(5):  # deterministic, never left to the draw
        choice = chooser.decide(conn, back, random.Random(seed))
        assert choice is not None and choice.candidate.returning == tip["id"]
        assert choice.propensity == 1.0
    returned = _tip(conn, back)
    assert (returned["text"], returned["library_id"]) == (tip["text"], tip["library_id"])


def test_later_words_mean_what_a_person_means() -> None:
    noon = datetime(2026, 3, 2, 12, 1).astimezone()
    assert parse_later("tonight", noon) == noon.replace(hour=20, minute=0)
    assert parse_later("tomorrow", noon) == (noon + timedelta(days=1)).replace(hour=9, minute=0)
    one_am = datetime(2026, 3, 3, 1, 0).astimezone()
    assert parse_later("tomorrow", one_am) == one_am.replace(hour=9)  # the coming morning
    assert parse_later("2h30m", noon) == noon + timedelta(hours=2, minutes=30)
    with pytest.raises(OOError):
        parse_later("tonight", noon.replace(hour=21))


def _nudge(conn: sqlite3.Connection, now: datetime) -> sqlite3.Row:
    for seed in range(30):
        tip = _tip(conn, now, seed)
        if tip["source"] == "habit":
            return tip
        recommender.react(conn, tip["id"], "dismiss", now=now)
    raise AssertionError("no habit nudge was offered")


def test_done_on_a_habit_nudge_checks_the_habit_in_once(conn: sqlite3.Connection) -> None:
    signals.add_habit(conn, "stretch", "day", now=NOW - timedelta(days=1))
    nudge = _nudge(conn, NOW)
    recommender.react(conn, nudge["id"], "done", now=NOW)
    (habit,) = signals.habits(conn, now=NOW)
    assert habit.done_today and not habit.due(NOW)
    assert conn.execute("SELECT COUNT(*) FROM habit_checkins").fetchone()[0] == 1
    count = "SELECT COUNT(*) FROM events WHERE type = 'habit_checked_in'"
    assert conn.execute(count).fetchone()[0] == 1


@pytest.mark.parametrize("reaction", ["useful", "later"])
def test_a_habit_nudge_does_not_come_straight_back(conn: sqlite3.Connection, reaction: str) -> None:
    signals.add_habit(conn, "stretch", "day", now=NOW - timedelta(days=1))
    nudge = _nudge(conn, NOW)
    back = NOW + timedelta(hours=1)
    recommender.react(
        conn, nudge["id"], reaction, now=NOW, later_until=back if reaction == "later" else None
    )
    soon = NOW + timedelta(minutes=20)
    offered = candidates.gather(conn, soon, context.gather(conn, soon), random.Random(0))
    assert all(c.source != "habit" for c in offered)
    after = datetime(2026, 3, 2, 11, 5, tzinfo=UTC)  # later time passed, next part of the day
    offered = candidates.gather(conn, after, context.gather(conn, after), random.Random(0))
    assert any(c.source == "habit" for c in offered)
    if reaction == "later":  # the same nudge comes back alone, with the time left now
        (returned,) = offered
        assert returned.returning == nudge["id"]
        assert returned.text == "“stretch” is still open, with 3 hours of the midday left."


def _calendar_and_task(conn: sqlite3.Connection, now: datetime) -> None:
    def event(item_id: str, start: datetime, end: datetime) -> None:
        conn.execute(
            "INSERT INTO items (source, item_id, kind, start, end, updated_at)"
            " VALUES ('calendar', ?, 'event', ?, ?, ?)",
            (item_id, iso(start), iso(end), iso(now)),
        )

    event("m1", now - timedelta(hours=3), now - timedelta(hours=2))
    event("m2", now - timedelta(hours=2), now - timedelta(minutes=5))
    event("review", now + timedelta(minutes=40), now + timedelta(minutes=90))
    conn.execute(
        "INSERT INTO items (source, item_id, kind, due, updated_at)"
        " VALUES ('todoist', 't1', 'task', ?, ?)",
        ((now - timedelta(days=2)).date().isoformat(), iso(now)),
    )
    conn.execute(
        "INSERT INTO candidates (id, source, source_ref, text, kind, category, features,"
        " created_at) VALUES ('c1', 'todoist', 't1', ?, 'todo', 'planning', ?, ?)",
        (
            "Finish “Q3 report”: it is 2 days overdue.",
            json.dumps({"overdue_days": 2, "due_today": 0}),
            iso(now),
        ),
    )


def test_tips_are_composed_from_the_moment_and_name_their_signal(
    conn: sqlite3.Connection,
) -> None:
    now = datetime(2026, 3, 2, 14, 20, tzinfo=UTC)
    _calendar_and_task(conn, now)
    ctx = context.gather(conn, now)
    composed = {c.signal: c for c in moment.composed(conn, now, ctx)}
    assert set(composed) == {"free-block", "task-due", "meeting-run"}
    free = composed["free-block"]
    assert free.text == "You have 40 free minutes before your next event: start “Q3 report”."
    assert free.expires_at == now + timedelta(minutes=40)
    assert "Q3 report" in composed["task-due"].text and "overdue" in composed["task-due"].text
    assert composed["meeting-run"].expires_at == now + timedelta(minutes=15)
    for cand in composed.values():
        assert len(cand.text) <= moment.MAX_TEXT and "!" not in cand.text
        assert cand.source == "moment" and f"({cand.signal})" in cand.reasons[0]
    offered = candidates.gather(conn, now, ctx, random.Random(0))
    assert {c.signal for c in offered if c.source == "moment"} == set(composed)
    # Chosen, a composed tip ends with its moment and `oo why` names its signal.
    conn.execute("DELETE FROM items WHERE item_id IN ('m1', 'm2')")
    conn.execute("UPDATE candidates SET done_at = ?", (iso(now),))
    evening = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    signals.record_mood(conn, 2, None, now=evening - timedelta(hours=1))
    (low,) = moment.composed(conn, evening, context.gather(conn, evening))
    assert low.signal == "low-mood-evening" and low.category == "mood"
    assert low.expires_at == datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    ctx = context.gather(conn, late)
    (night,) = moment.composed(conn, late, ctx)
    assert night.signal == "late-night" and night.text.startswith("It's past eleven")
    assert night.expires_at == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)


def test_the_candidate_rules_drop_what_cannot_be_done_now(conn: sqlite3.Connection) -> None:
    walk = next(t for t in library.load() if t.id == "movement-block-walk")
    timer = next(t for t in library.load() if t.id == "focus-single-timer")
    evening = datetime(2026, 3, 2, 21, 15, tzinfo=UTC)
    ctx = context.gather(conn, evening)
    assert candidates.fits_now(_cand(walk), ctx, evening) is not None
    afternoon = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    ctx = context.gather(conn, afternoon)
    assert candidates.fits_now(_cand(walk), ctx, afternoon) is None
    assert candidates.fits_now(_cand(timer), ctx, afternoon) is None
    ctx.mood = 2
    assert candidates.fits_now(_cand(timer), ctx, afternoon) is not None
    ctx.mood, ctx.minutes_to_next_event, ctx.busy_now = 4, 10.0, False
    assert candidates.fits_now(_cand(timer), ctx, afternoon) is not None  # 25 min > 10 min
    late = {
        c.library_id
        for c in candidates.gather(conn, evening, context.gather(conn, evening), random.Random(0))
    }
    outdoors = {t.id for t in library.load() if t.place == "outdoors"}
    assert not late & outdoors
    # An outdoor tip chosen in the early evening ends when the dark begins.
    dusk = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    offered = candidates.gather(conn, dusk, context.gather(conn, dusk), random.Random(0))
    out = [c for c in offered if c.place == "outdoors"]
    assert out and all(c.expires_at == dusk.replace(hour=21) for c in out)


def _cand(tip: library.LibraryTip) -> Candidate:
    from oo.engine.features import library_candidate

    return library_candidate(tip, "afternoon")


def test_a_category_shown_too_often_is_drawn_less_and_propensities_stay_exact(
    conn: sqlite3.Connection,
) -> None:
    for i in range(4):
        tip = _tip(conn, NOW + timedelta(minutes=i), seed=i)
        conn.execute(
            "UPDATE tips SET category = 'nutrition', text = ?, shown_at = ? WHERE id = ?",
            (f"Old tip {i}.", iso(NOW), tip["id"]),
        )
        recommender.react(conn, tip["id"], "useful", now=NOW + timedelta(minutes=i))
    now = NOW + timedelta(minutes=10)
    ctx = context.gather(conn, now)
    found = candidates.gather(conn, now, ctx, random.Random(0))
    offsets = chooser.variety_offsets(conn, now, found)
    for cand, offset in zip(found, offsets, strict=True):
        assert (offset < 0) == (cand.category == "nutrition"), cand.category
    choice = chooser.decide(conn, now, random.Random(0))
    assert choice is not None
    assert sum(choice.probabilities) == pytest.approx(1.0)
    assert choice.propensity == choice.probabilities[choice.index]
    food = sum(
        p
        for c, p in zip(choice.candidates, choice.probabilities, strict=True)
        if c.category == "nutrition"
    )
    assert food < 0.05


def test_the_same_text_is_not_drawn_again_within_a_week(conn: sqlite3.Connection) -> None:
    cand = Candidate("Drink a glass of water.", "advice", "nutrition", "llm")
    conn.execute(
        "INSERT INTO tips (id, text, kind, category, source, decided_at, shown_at, expires_at,"
        " status, policy, propensity) VALUES ('x', ?, 'advice', 'nutrition', 'llm', ?, ?, ?,"
        " 'useful', 'default/1', 1.0)",
        (cand.text, iso(NOW), iso(NOW), iso(NOW + timedelta(hours=1))),
    )
    other = Candidate("Call a friend.", "advice", "relationships", "llm")
    week = chooser.variety_offsets(conn, NOW + timedelta(days=6), [cand, other])
    assert week[0] < week[1]
    later = chooser.variety_offsets(conn, NOW + timedelta(days=8), [cand, other])
    assert later[0] == later[1]
