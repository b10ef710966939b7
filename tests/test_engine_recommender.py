"""The learning recommender behind `recommend` and `react`, on a real store."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from oo.engine import candidates, chooser, recommender, state
from oo.errors import OOError
from oo.store import events, signals

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning


def _tip(conn: sqlite3.Connection, now: datetime = NOW, seed: int = 0) -> sqlite3.Row:
    row = recommender.recommend(conn, now, random.Random(seed))
    assert row is not None
    return row


def test_every_decision_is_logged_with_what_replays_it(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    assert tip["policy"] == "default/2"  # the policy and its model version
    log = conn.execute("SELECT * FROM decisions WHERE tip_id = ?", (tip["id"],)).fetchone()
    actions = json.loads(log["actions"])
    scores = json.loads(log["scores"])
    probs = json.loads(log["probabilities"])
    assert 5 <= len(actions) <= candidates.MAX_CANDIDATES
    assert len(scores) == len(probs) == len(actions) == len(json.loads(log["candidates"]))
    assert (
        probs[log["chosen"]] == pytest.approx(log["propensity"]) == pytest.approx(tip["propensity"])
    )
    assert "greedy" in json.loads(log["shadows"])
    decided = next(
        e.body() for e in events.read(conn, type="tip_decided") if e.body().tip_id == tip["id"]
    )
    assert decided.chosen_index == log["chosen"]
    assert decided.candidate_count == len(actions)
    assert decided.propensity == pytest.approx(log["propensity"])
    assert list(decided.context) == pytest.approx(json.loads(log["context"]))
    # One copy of the decision log: the event does not repeat the row's kilobytes.
    assert not decided.candidates and not decided.scores and not decided.probabilities
    reward = conn.execute("SELECT reward, settled_at FROM rewards WHERE tip_id = ?", (tip["id"],))
    assert tuple(reward.fetchone()) == (None, None)  # not learned until it is reacted to
    assert min(probs) >= 0.01 / len(probs) - 1e-12


def test_reactions_teach_the_policy_and_change_what_comes_next(conn: sqlite3.Connection) -> None:
    """Do every movement tip, dismiss the rest: movement tips come to dominate."""
    now = datetime(2026, 3, 2, 15, 0).astimezone()  # afternoons, local time
    rng = random.Random(1)
    picked = []
    for _ in range(60):
        tip = _tip(conn, now)
        picked.append(tip["category"])
        reaction = "done" if tip["category"] == "movement" else "dismiss"
        recommender.react(conn, tip["id"], reaction, now=now, rng=rng)
        now += timedelta(hours=20)
        now = now.replace(hour=15)
    learned = [row[0] for row in conn.execute("SELECT updates FROM policy_state")]
    assert learned == [60, 60]
    # Movement is 12 of about 140 afternoon tips: at first a movement tip is drawn with a
    # small share of the probability; after 60 reactions, with most of it.
    first, last = (movement_share(conn, order) for order in ("ASC", "DESC"))
    assert first < 0.5 < last, (first, last)
    assert picked[-20:].count("movement") >= 14, picked


def movement_share(conn: sqlite3.Connection, order: str) -> float:
    """The probability the first (or last) logged decision gave to movement tips."""
    row = conn.execute(
        f"SELECT candidates, probabilities FROM decisions ORDER BY time {order}, rowid {order}"
    ).fetchone()
    keys = json.loads(row["candidates"])  # each candidate's key: `library:<id>`, `todoist:<ref>`
    probs = json.loads(row["probabilities"])
    return float(sum(p for k, p in zip(keys, probs, strict=True) if ":movement-" in k))


def test_an_expired_unreacted_tip_counts_as_ignored_and_is_learned(
    conn: sqlite3.Connection,
) -> None:
    tip = _tip(conn)
    recommender.mark_shown(conn, tip["id"], NOW)
    after = _tip(conn, NOW + timedelta(hours=6))
    assert after["id"] != tip["id"]
    before = recommender.get(conn, tip["id"])
    assert before is not None and before["status"] == "ignored"
    reward = conn.execute("SELECT reward FROM rewards WHERE tip_id = ?", (tip["id"],)).fetchone()
    assert reward[0] == pytest.approx(0.1)


def test_an_expired_tip_never_shown_teaches_nothing(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    _tip(conn, NOW + timedelta(hours=6))
    row = conn.execute("SELECT reward FROM rewards WHERE tip_id = ?", (tip["id"],)).fetchone()
    assert row[0] is None
    assert conn.execute("SELECT SUM(updates) FROM policy_state").fetchone()[0] == 0


def test_bad_reactions_are_one_clear_error(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    recommender.react(conn, tip["id"], "done", now=NOW)
    with pytest.raises(OOError, match="already has a reaction"):
        recommender.react(conn, tip["id"], "done", now=NOW)
    with pytest.raises(OOError, match="no tip with id"):
        recommender.react(conn, "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "useful", now=NOW)
    with pytest.raises(OOError, match="unknown reaction"):
        recommender.react(conn, None, "love", now=NOW)
    updates = conn.execute("SELECT updates FROM policy_state WHERE role = 'active'").fetchone()[0]
    assert updates == 1


def test_a_damaged_parameter_blob_is_reset_to_the_prior_not_a_crash(
    conn: sqlite3.Connection,
) -> None:
    tip = _tip(conn)
    conn.execute("UPDATE policy_state SET params = ? WHERE name = 'default'", (b"garbage",))
    _, following = recommender.react(conn, tip["id"], "useful", now=NOW)
    assert following is not None
    resets = [e.body() for e in events.read(conn, type="policy_reset")]
    assert [r.policy for r in resets] == ["default"]
    policies = state.load(conn, now=NOW)
    assert policies[0][1].name == "default"


def test_zero_candidates_is_a_calm_none(conn: sqlite3.Connection) -> None:
    from oo.engine import features

    original = dict(candidates.SOURCES)
    candidates.SOURCES.clear()
    try:
        assert recommender.recommend(conn, NOW) is None
    finally:
        candidates.SOURCES.update(original)
    assert features.CONTEXT_DIM == 12


def test_a_clock_that_jumps_backwards_is_not_a_crash(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    earlier = NOW - timedelta(days=2)
    _, following = recommender.react(conn, tip["id"], "done", now=earlier)
    assert following is not None
    why = json.loads(
        conn.execute("SELECT why FROM tips WHERE id = ?", (following["id"],)).fetchone()[0]
    )
    assert why["signals"]["minutes_since_tip"] is None or why["signals"]["minutes_since_tip"] >= 0


def test_a_habit_nudge_done_is_not_offered_again_today(conn: sqlite3.Connection) -> None:
    signals.add_habit(conn, "Stretch", "day", now=NOW)
    seen_nudge = False
    now = NOW
    for _ in range(10):
        tip = _tip(conn, now)
        if tip["source"] == "habit":
            assert not seen_nudge, "the nudge came back after it was done"
            seen_nudge = True
            recommender.react(conn, tip["id"], "done", now=now)
        else:
            recommender.react(conn, tip["id"], "useful", now=now)
        now += timedelta(minutes=5)
    assert seen_nudge  # the prior puts a due habit first


def test_later_brings_a_tip_back_at_its_time(conn: sqlite3.Connection) -> None:
    tip = _tip(conn)
    back = NOW + timedelta(hours=1)
    recommender.react(conn, tip["id"], "later", now=NOW, later_until=back)
    returned = chooser.decide(conn, back + timedelta(minutes=1), random.Random(0))
    assert returned is not None
    assert any(c.returning == tip["id"] for c in returned.candidates)
