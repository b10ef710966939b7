"""The current tip and the standby: reading them, reacting, and showing the standby.

The standby is the next tip, drawn in advance by the same policy, over the same signals,
with the current tip left out (and counted as shown), and logged with its exact propensity
like any decision. A reaction shows it at once, so `oo done` needs neither numpy nor the
engine: this module is the standard library, the store and the event protos only. Learning
from the reaction and drawing the next standby follow in `oo.engine.catchup`.

A standby is shown only while it is good: not expired, no tip put off with `later` due
back first, and no new signal since its draw (any new event other than those in
`oo.store.schema.KEEPS_STANDBY` drops it, by a trigger in the schema).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from oo.clock import iso, parse_iso
from oo.engine.tips import BY_STATUS, TIP_COLUMNS
from oo.events.v1 import tips_pb2
from oo.store import events

STANDBY = "standby"


def current(conn: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE status = 'current'"
    ).fetchone()
    return row


def standby(conn: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE status = '{STANDBY}'"
    ).fetchone()
    return row


def get(conn: sqlite3.Connection, tip_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ?", (tip_id,)
    ).fetchone()
    return row


def mark_shown(conn: sqlite3.Connection, tip_id: str, now: datetime) -> None:
    conn.execute(
        "UPDATE tips SET shown_at = ? WHERE id = ? AND shown_at IS NULL", (iso(now), tip_id)
    )


def record_reaction(
    conn: sqlite3.Connection,
    tip_id: str,
    status: str,
    *,
    now: datetime,
    later_until: datetime | None = None,
) -> None:
    """The reaction's event and the tip's new status; learning from it comes after."""
    body = tips_pb2.ReactionRecorded(tip_id=tip_id, reaction=BY_STATUS[status].event)
    if later_until is not None:
        body.later_until.FromDatetime(later_until)
    events.append(conn, body, now=now)
    conn.execute(
        "UPDATE tips SET status = ?, reacted_at = ?, later_until = ? WHERE id = ?",
        (status, iso(now), iso(later_until) if later_until else None, tip_id),
    )


def due_back(conn: sqlite3.Connection, now: datetime) -> bool:
    """Whether a tip put off with `later` is due back now (it comes before any standby)."""
    row = conn.execute(
        "SELECT 1 FROM tips WHERE status = 'later' AND returned_at IS NULL AND later_until <= ?",
        (iso(now),),
    ).fetchone()
    return row is not None


def unexpired_standby(conn: sqlite3.Connection, now: datetime) -> sqlite3.Row | None:
    """The standby, or None; an expired one is dropped (its decision row goes with it)."""
    row = standby(conn)
    if row is not None and parse_iso(row["expires_at"]) <= now:
        conn.execute("DELETE FROM tips WHERE id = ?", (row["id"],))
        return None
    return row


def promote(
    conn: sqlite3.Connection, now: datetime, *, until: datetime | None = None
) -> sqlite3.Row | None:
    """Make the standby the current tip, if it is still good; None when it is not.

    `until`: a tip just put off with `later` comes back then, so the standby lasts no
    longer."""
    row = unexpired_standby(conn, now)
    if row is None or due_back(conn, now):
        return None
    expires = parse_iso(row["expires_at"])
    if until is not None and until < expires:
        expires = until
    conn.execute(
        "UPDATE tips SET status = 'current', expires_at = ? WHERE id = ?",
        (iso(expires), row["id"]),
    )
    return get(conn, row["id"])


def react_at_once(
    conn: sqlite3.Connection, status: str, *, now: datetime, later_until: datetime | None
) -> sqlite3.Row | None:
    """React to the current tip and make the standby current, without the engine.

    Returns the new current tip, or None with nothing written when the engine must answer:
    no current tip or it expired, `done` on a habit nudge (a check-in), or no standby fit
    to show. Call inside a transaction; learning follows in `oo.engine.catchup`."""
    tip = current(conn)
    if tip is None or parse_iso(tip["expires_at"]) <= now:
        return None
    if status == "done" and tip["source"] == "habit":
        return None
    good = standby(conn)
    if good is None or parse_iso(good["expires_at"]) <= now or due_back(conn, now):
        return None
    record_reaction(conn, tip["id"], status, now=now, later_until=later_until)
    return promote(conn, now, until=later_until)
