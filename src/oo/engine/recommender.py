"""The recommender contract: `recommend(conn, now) -> tip` and `react(conn, tip_id, ...)`.

The current tip is precomputed and stored, so `oo tip` only reads it. It stays the same
until it is reacted to or expires. Beside it waits the standby, the next tip drawn in
advance (`oo.engine.current`): after a reaction it becomes current if it is still good,
else the next tip is chosen fresh; either way the rewards not yet learned are learned and
a new standby is drawn. `oo done` does the first half without the engine and leaves the
rest to `catch_up`, in a background process.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime

from oo.clock import iso, parse_iso
from oo.engine import chooser, current
from oo.engine.features import Candidate
from oo.engine.tips import REACTIONS
from oo.errors import OOError
from oo.events.v1 import tips_pb2
from oo.store import events, signals
from oo.store.db import transaction


def _decide(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random,
    policies: chooser.Loaded | None = None,
    *,
    after: sqlite3.Row | None = None,
) -> sqlite3.Row | None:
    """Choose and store the current tip, or with `after` (the current tip) the standby."""
    choice = chooser.decide(conn, now, rng, policies, after=after)
    if choice is None:
        return None
    status = "current" if after is None else current.STANDBY
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
    )  # the candidates, their features, scores and probabilities: in the decisions row only
    body.expires_at.FromDatetime(expires)
    events.append(conn, body, now=now)
    conn.execute(
        "INSERT INTO tips (id, text, kind, category, source, source_ref, library_id,"
        " decided_at, expires_at, status, policy, propensity, why)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tip_id, cand.text, cand.kind, cand.category, cand.source, cand.source_ref,
            cand.library_id, iso(now), iso(expires), status,
            f"{choice.policy}/{choice.version}", choice.propensity,
            json.dumps(choice.why, ensure_ascii=False),
        ),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO decisions (tip_id, time, policy, policy_version, context, candidates,"
        " actions, chosen, propensity, scores, probabilities, shadows)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            tip_id, iso(now), choice.policy, choice.version, _json(choice.context),
            _json([_log_key(c) for c in choice.candidates]),
            _json([[_short(v) for v in row] for row in choice.actions]), choice.index,
            choice.propensity, _json(choice.scores),
            _json(choice.probabilities),
            _json(choice.shadows),
        ),
    )  # fmt: skip
    conn.execute("INSERT INTO rewards (tip_id) VALUES (?)", (tip_id,))
    if cand.returning:
        conn.execute("UPDATE tips SET returned_at = ? WHERE id = ?", (iso(now), cand.returning))
    return current.get(conn, tip_id)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _short(value: float) -> float | int:
    """A feature as the log writes it: `1` for 1.0 (most features are 0 or 1)."""
    return int(value) if value.is_integer() else value


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


def _advance(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random,
    *,
    until: datetime | None = None,
    standby: bool = True,
) -> sqlite3.Row | None:
    """After a reaction or an expiry: learn what is not yet learned, make the standby current
    (or choose afresh), and draw the next standby (unless `standby` is False: the caller
    leaves that to `catch_up`). Call inside a transaction."""
    learned = chooser.learn_pending(conn, now, seed=rng.getrandbits(63))
    tip = current.current(conn)
    if tip is None:
        tip = current.promote(conn, now, until=until) or _decide(conn, now, rng, learned)
    if standby:
        _draw_standby(conn, now, rng, learned, tip)
    return tip


def _draw_standby(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random,
    policies: chooser.Loaded | None,
    tip: sqlite3.Row | None,
) -> None:
    if tip is None or parse_iso(tip["expires_at"]) <= now:
        return
    if current.unexpired_standby(conn, now) is None:
        _decide(conn, now, rng, policies, after=tip)


def recommend(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random | None = None,
    *,
    standby: bool = True,
) -> sqlite3.Row | None:
    """The current tip, choosing (and storing) a new one if there is none or it expired.

    Returns None only when there is nothing to suggest. `standby=False` leaves drawing the
    standby to `catch_up` (the command line does it in the background).
    """
    rng = rng or random.Random()
    with transaction(conn):
        tip = current.current(conn)
        if tip is not None:
            if parse_iso(tip["expires_at"]) > now:
                return tip
            current.record_reaction(conn, tip["id"], "ignored", now=now)
        return _advance(conn, now, rng, standby=standby)


def catch_up(conn: sqlite3.Connection, now: datetime, rng: random.Random | None = None) -> None:
    """Learn the rewards not yet learned and draw a standby if there is none: the half of
    a reaction that `oo done` leaves to a background process (`oo.engine.catchup`)."""
    rng = rng or random.Random()
    with transaction(conn):
        learned = chooser.learn_pending(conn, now, seed=rng.getrandbits(63))
        _draw_standby(conn, now, rng, learned, current.current(conn))


get = current.get
mark_shown = current.mark_shown


def react(
    conn: sqlite3.Connection,
    tip_id: str | None,
    reaction: str,
    *,
    now: datetime,
    later_until: datetime | None = None,
    rng: random.Random | None = None,
    standby: bool = True,
) -> tuple[sqlite3.Row, sqlite3.Row | None]:
    """Record a reaction to a tip (the current one when tip_id is None) and choose the next.

    Returns the tip reacted to and the next tip (None when there is nothing to suggest).
    `standby=False` leaves drawing the next standby to `catch_up`.
    """
    status = REACTIONS.get(reaction)
    if status is None:
        raise OOError(f"unknown reaction {reaction!r}; use done, useful, later or dismiss", 2)
    if status == "later" and (later_until is None or later_until <= now):
        raise OOError("`later` needs a time in the future", 2)
    with transaction(conn):
        tip = current.current(conn) if tip_id is None else current.get(conn, tip_id)
        if tip is None or tip["status"] == current.STANDBY:
            if tip_id is None:
                raise OOError("there is no current tip to react to; see `oo tip`")
            raise OOError(f"no tip with id {tip_id!r} in this database")
        if tip["status"] != "current":
            raise OOError(f"that tip already has a reaction ({tip['status']})")
        current.record_reaction(conn, tip["id"], status, now=now, later_until=later_until)
        if status == "done":
            _check_in_habit(conn, tip["id"], now)
        reacted = current.get(conn, tip["id"])
        assert reacted is not None
        following = _advance(conn, now, rng or random.Random(), until=later_until, standby=standby)
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
        tip = current.current(conn)
        if tip is None:
            return
        ref = conn.execute("SELECT source_ref FROM tips WHERE id = ?", (tip["id"],))
        if ref.fetchone()[0] != habit_id:
            return
        if done:
            current.record_reaction(conn, tip["id"], "done", now=now)
        else:
            conn.execute("DELETE FROM tips WHERE id = ?", (tip["id"],))
        _advance(conn, now, random.Random())
