"""The recommender contract: `recommend(conn, now) -> tip` and `react(conn, tip_id, ...)`.

The current tip is precomputed and stored, so `oo tip` only reads it. It stays the same
until it is reacted to or expires; then the next one is chosen and stored at once.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime

from oo.clock import iso, parse_iso
from oo.engine import chooser, rewards
from oo.engine.features import Candidate
from oo.engine.tips import BY_STATUS, REACTIONS, TIP_COLUMNS
from oo.errors import OOError
from oo.events.v1 import tips_pb2
from oo.store import events, signals
from oo.store.db import transaction


def _current(conn: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE status = 'current'"
    ).fetchone()
    return row


def get(conn: sqlite3.Connection, tip_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ?", (tip_id,)
    ).fetchone()
    return row


def _record_reaction(
    conn: sqlite3.Connection,
    tip_id: str,
    status: str,
    *,
    now: datetime,
    later_until: datetime | None = None,
) -> None:
    body = tips_pb2.ReactionRecorded(tip_id=tip_id, reaction=BY_STATUS[status].event)
    if later_until is not None:
        body.later_until.FromDatetime(later_until)
    events.append(conn, body, now=now)
    conn.execute(
        "UPDATE tips SET status = ?, reacted_at = ?, later_until = ? WHERE id = ?",
        (status, iso(now), iso(later_until) if later_until else None, tip_id),
    )


def _learn(
    conn: sqlite3.Connection, tip: sqlite3.Row, status: str, now: datetime, rng: random.Random
) -> chooser.Loaded | None:
    """Turn a final status into a reward and let the policies learn from it."""
    value = rewards.reward(status, shown=tip["shown_at"] is not None)
    if value is None:
        return None
    return chooser.learn(conn, tip["id"], value, now=now, seed=rng.getrandbits(63))


def _decide(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random,
    policies: chooser.Loaded | None = None,
) -> sqlite3.Row | None:
    choice = chooser.decide(conn, now, rng, policies)
    if choice is None:
        return None
    cand = choice.candidate
    expires = _expiry(conn, now, cand)
    tip_id = events.new_id(now)
    body = tips_pb2.TipDecided(
        tip_id=tip_id,
        library_id=cand.library_id or "",
        kind=cand.kind,
        category=cand.category,
        candidate_source=cand.source,
        policy=choice.policy,
        policy_version=choice.version,
        propensity=choice.propensity,
        candidate_count=len(choice.candidates),
        context=choice.context,
        chosen_index=choice.index,
        scores=choice.scores,
        probabilities=choice.probabilities,
    )
    body.expires_at.FromDatetime(expires)
    for other, actions in zip(choice.candidates, choice.actions, strict=True):
        body.candidates.add(key=_log_key(other), source=other.source, features=actions)
    for name, shadow in choice.shadows.items():
        body.shadows.add(
            policy=name,
            policy_version=shadow["version"],
            probabilities=shadow["probabilities"],
            scores=shadow["scores"],
        )
    events.append(conn, body, now=now)
    conn.execute(
        "INSERT INTO tips (id, text, kind, category, source, source_ref, library_id,"
        " decided_at, expires_at, policy, propensity, why)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tip_id, cand.text, cand.kind, cand.category, cand.source, cand.source_ref,
            cand.library_id, iso(now), iso(expires),
            f"{choice.policy}/{choice.version}", choice.propensity,
            json.dumps(choice.why, ensure_ascii=False),
        ),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO decisions (tip_id, time, policy, policy_version, context, candidates,"
        " actions, chosen, propensity, scores, probabilities, shadows)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tip_id, iso(now), choice.policy, choice.version, json.dumps(choice.context),
            json.dumps([{"key": _log_key(c), "source": c.source} for c in choice.candidates]),
            json.dumps(choice.actions), choice.index, choice.propensity,
            json.dumps(choice.scores), json.dumps(choice.probabilities),
            json.dumps(choice.shadows),
        ),
    )  # fmt: skip
    if cand.returning:
        conn.execute("UPDATE tips SET returned_at = ? WHERE id = ?", (iso(now), cand.returning))
    return get(conn, tip_id)


def _expiry(conn: sqlite3.Connection, now: datetime, cand: Candidate) -> datetime:
    """When the part of the day changes, when the candidate's moment passes, or when a tip
    put off with `later` is due back, whichever comes first: a returning tip then takes the
    place of the current one (and `oo tip`'s fast path sees the current tip has expired)."""
    ends = [chooser.expiry(now)]
    if cand.expires_at is not None and cand.expires_at > now:
        ends.append(cand.expires_at)
    pending = conn.execute(
        "SELECT MIN(later_until) FROM tips WHERE status = 'later' AND returned_at IS NULL"
        " AND later_until > ?",
        (iso(now),),
    ).fetchone()[0]
    if pending is not None:
        ends.append(parse_iso(pending))
    return min(ends)


def _log_key(cand: Candidate) -> str:
    """What the log keeps to name a candidate: an id, never a provider's text."""
    if cand.library_id:
        return f"library:{cand.library_id}"
    return f"{cand.source}:{cand.source_ref or ''}"


def recommend(
    conn: sqlite3.Connection, now: datetime, rng: random.Random | None = None
) -> sqlite3.Row | None:
    """The current tip, choosing (and storing) a new one if there is none or it expired.

    Returns None only when there is nothing to suggest.
    """
    rng = rng or random.Random()
    with transaction(conn):
        current = _current(conn)
        if current is not None:
            if parse_iso(current["expires_at"]) > now:
                return current
            _record_reaction(conn, current["id"], "ignored", now=now)
            learned = _learn(conn, current, "ignored", now, rng)
            return _decide(conn, now, rng, learned)
        return _decide(conn, now, rng)


def mark_shown(conn: sqlite3.Connection, tip_id: str, now: datetime) -> None:
    conn.execute(
        "UPDATE tips SET shown_at = ? WHERE id = ? AND shown_at IS NULL", (iso(now), tip_id)
    )


def react(
    conn: sqlite3.Connection,
    tip_id: str | None,
    reaction: str,
    *,
    now: datetime,
    later_until: datetime | None = None,
    rng: random.Random | None = None,
) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    """Record a reaction to a tip (the current one when tip_id is None) and choose the next.

    Returns the tip reacted to and the next tip (None when there is nothing to suggest).
    """
    status = REACTIONS.get(reaction)
    if status is None:
        raise OOError(f"unknown reaction {reaction!r}; use done, useful, later or dismiss", 2)
    if status == "later" and (later_until is None or later_until <= now):
        raise OOError("`later` needs a time in the future", 2)
    with transaction(conn):
        tip = _current(conn) if tip_id is None else get(conn, tip_id)
        if tip is None:
            if tip_id is None:
                raise OOError("there is no current tip to react to; see `oo tip`")
            raise OOError(f"no tip with id {tip_id!r} in this database")
        if tip["status"] != "current":
            raise OOError(f"that tip already has a reaction ({tip['status']})")
        _record_reaction(conn, tip["id"], status, now=now, later_until=later_until)
        if status == "done":
            _check_in_habit(conn, tip["id"], now)
        reacted = get(conn, tip["id"])
        assert reacted is not None
        rng = rng or random.Random()
        learned = _learn(conn, reacted, status, now, rng)
        following = _decide(conn, now, rng, learned)
    return reacted, following


def _check_in_habit(conn: sqlite3.Connection, tip_id: str, now: datetime) -> None:
    """`done` on a habit nudge checks the habit in: one check-in, as `oo habit done`."""
    row = conn.execute(
        "SELECT h.id FROM tips t JOIN habits h ON h.id = t.source_ref"
        " WHERE t.id = ? AND t.source = 'habit'",
        (tip_id,),
    ).fetchone()
    if row is not None:
        signals.record_check_in(conn, row["id"], now=now)


def settle_habit(conn: sqlite3.Connection, habit_id: str, *, done: bool, now: datetime) -> None:
    """After `oo habit done` or `rm`, a current nudge for that habit is settled at once."""
    with transaction(conn):
        current = _current(conn)
        if current is None:
            return
        ref = conn.execute("SELECT source_ref FROM tips WHERE id = ?", (current["id"],))
        if ref.fetchone()[0] != habit_id:
            return
        if done:
            rng = random.Random()
            _record_reaction(conn, current["id"], "done", now=now)
            _decide(conn, now, rng, _learn(conn, current, "done", now, rng))
        else:
            conn.execute("DELETE FROM tips WHERE id = ?", (current["id"],))
            _decide(conn, now, random.Random())
