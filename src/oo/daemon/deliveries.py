"""The daemon's record of notification decisions (the `deliveries` table) and the facts
the timing policy reads from the store: what was sent today, busy now, how hours answer."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from oo.clock import iso, parse_iso
from oo.daemon.timing import POLICY, Bucket, Decision, Moment
from oo.events.v1 import delivery_pb2
from oo.store import events

# A notification not answered within this time counts as ignored for the timing policy.
ANSWER_WINDOW = timedelta(hours=2)
# How each answer to a notification counts toward "this hour answers well".
GOOD = {"done": 1.0, "useful": 1.0, "later": 0.5, "dismissed": 0.0, "ignored": 0.0}
LEARN_FROM = timedelta(days=56)


def start_of_day(now: datetime) -> datetime:
    return now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def point_decided(conn: sqlite3.Connection, key: str) -> bool:
    row = conn.execute("SELECT 1 FROM deliveries WHERE decision_point = ?", (key,)).fetchone()
    return row is not None


def busy_now(conn: sqlite3.Connection, now: datetime) -> bool:
    """A calendar event marked busy is going on now (all-day events do not count)."""
    row = conn.execute(
        "SELECT 1 FROM items WHERE kind = 'event' AND busy = 1 AND all_day = 0"
        " AND start <= ? AND end > ? LIMIT 1",
        (iso(now), iso(now)),
    ).fetchone()
    return row is not None


def _buckets(
    conn: sqlite3.Connection, now: datetime
) -> tuple[dict[int, Bucket], dict[int, Bucket]]:
    hours: dict[int, list[float]] = {}
    weekdays: dict[int, list[float]] = {}
    for row in conn.execute(
        "SELECT hour, weekday, outcome FROM deliveries"
        " WHERE send = 1 AND outcome IS NOT NULL AND decided_at >= ?",
        (iso(now - LEARN_FROM),),
    ):
        value = GOOD.get(row["outcome"], 0.0)
        hours.setdefault(row["hour"], []).append(value)
        weekdays.setdefault(row["weekday"], []).append(value)

    def fold(d: dict[int, list[float]]) -> dict[int, Bucket]:
        return {k: Bucket(len(v), sum(v)) for k, v in d.items()}

    return fold(hours), fold(weekdays)


def moment(
    conn: sqlite3.Connection, now: datetime, tip: sqlite3.Row | None, points_left: int
) -> Moment:
    """Gather what the timing policy looks at."""
    today = iso(start_of_day(now))
    sent = conn.execute(
        "SELECT COUNT(*), MAX(sent_at) FROM deliveries WHERE send = 1 AND sent_at >= ?",
        (today,),
    ).fetchone()
    last = conn.execute("SELECT MAX(sent_at) FROM deliveries WHERE send = 1").fetchone()[0]
    waiting = conn.execute(
        "SELECT 1 FROM deliveries d JOIN tips t ON t.id = d.tip_id WHERE d.send = 1"
        " AND t.status = 'later' AND t.later_until > ? AND t.returned_at IS NULL LIMIT 1",
        (iso(now),),
    ).fetchone()
    tip_id = None if tip is None else str(tip["id"])
    notified = returning = False
    if tip is not None:
        notified = (
            conn.execute(
                "SELECT 1 FROM deliveries WHERE tip_id = ? AND send = 1", (tip_id,)
            ).fetchone()
            is not None
        )
        # A put-off tip came back as this one: it was decided when the other returned (a
        # habit nudge comes back reworded, so the text is not compared).
        returning = (
            conn.execute(
                "SELECT 1 FROM tips WHERE status = 'later' AND returned_at = ?",
                (tip["decided_at"],),
            ).fetchone()
            is not None
        )
    hours, weekdays = _buckets(conn, now)
    return Moment(
        now=now,
        tip_id=tip_id,
        sent_today=int(sent[0]),
        last_sent=parse_iso(last) if last else None,
        busy=busy_now(conn, now),
        later_waiting=waiting is not None,
        already_notified=notified,
        returning=returning,
        points_left=points_left,
        hours=hours,
        weekdays=weekdays,
    )


def record_decision(conn: sqlite3.Connection, key: str, m: Moment, decision: Decision) -> str:
    """Log a decision (call inside a transaction); returns its id."""
    local = m.now.astimezone()
    body = delivery_pb2.NotificationDecided(
        tip_id=m.tip_id or "",
        send=decision.send,
        probability=decision.probability,
        reason=decision.reason,
        decision_point=key,
        hour=local.hour,
        weekday=local.weekday(),
        policy=POLICY,
    )
    event_id = events.append(conn, body, now=m.now, source="daemon")
    conn.execute(
        "INSERT INTO deliveries (id, tip_id, decision_point, decided_at, hour, weekday, send,"
        " probability, reason, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event_id,
            m.tip_id,
            key,
            iso(m.now),
            local.hour,
            local.weekday(),
            int(decision.send),
            decision.probability,
            decision.reason,
            POLICY,
        ),
    )
    return event_id


def record_sent(conn: sqlite3.Connection, delivery_id: str, *, shown: bool, now: datetime) -> None:
    row = conn.execute(
        "SELECT tip_id, decided_at FROM deliveries WHERE id = ?", (delivery_id,)
    ).fetchone()
    body = delivery_pb2.NotificationSent(tip_id=row["tip_id"] or "", shown=shown)
    body.decided_at.FromDatetime(parse_iso(row["decided_at"]))
    events.append(conn, body, now=now, source="daemon")
    conn.execute(
        "UPDATE deliveries SET sent_at = ?, shown = ? WHERE id = ?",
        (iso(now), int(shown), delivery_id),
    )


def settle_outcomes(conn: sqlite3.Connection, now: datetime) -> int:
    """Close sent notifications: the tip's reaction, or `ignored` after the answer window."""
    settled = 0
    for row in conn.execute(
        "SELECT d.id, d.sent_at, t.status, t.reacted_at FROM deliveries d"
        " LEFT JOIN tips t ON t.id = d.tip_id"
        " WHERE d.send = 1 AND d.sent_at IS NOT NULL AND d.outcome IS NULL"
    ).fetchall():
        sent_at = parse_iso(row["sent_at"])
        status = row["status"]
        if status is not None and status != "current":
            reacted = parse_iso(row["reacted_at"]) if row["reacted_at"] else now
            outcome = status if reacted - sent_at <= ANSWER_WINDOW else "ignored"
            at = row["reacted_at"] or iso(now)
        elif now - sent_at >= ANSWER_WINDOW or status is None:
            outcome, at = "ignored", iso(now)
        else:
            continue
        conn.execute(
            "UPDATE deliveries SET outcome = ?, outcome_at = ? WHERE id = ?",
            (outcome, at, row["id"]),
        )
        settled += 1
    return settled


def last_notification(conn: sqlite3.Connection) -> dict[str, object] | None:
    row = conn.execute(
        "SELECT d.tip_id, d.sent_at, d.shown, d.outcome, t.text FROM deliveries d"
        " LEFT JOIN tips t ON t.id = d.tip_id WHERE d.send = 1 AND d.sent_at IS NOT NULL"
        " ORDER BY d.sent_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return {
        "tip_id": row["tip_id"],
        "sent_at": row["sent_at"],
        "shown": bool(row["shown"]),
        "outcome": row["outcome"],
        "text": row["text"],
    }
