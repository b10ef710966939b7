"""The append-only event log: every signal, decision, reaction, sync and deletion.

Events are appended inside the caller's transaction, beside the current-state rows they
explain, so the two never disagree. Nothing rewrites an event; only `forget` removes them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime

from oo.clock import iso, parse_iso
from oo.events.v1 import envelope_pb2

TYPE_CHECKING = False  # typing itself costs ms on `oo done`
if TYPE_CHECKING:
    from typing import Any

    from google.protobuf.message import Message

Event = envelope_pb2.Event

# Message full name -> the envelope's oneof field that carries it.
_BODY_FIELDS = {
    field.message_type.full_name: field.name
    for field in Event.DESCRIPTOR.oneofs_by_name["body"].fields
    if field.message_type is not None
}
EVENT_TYPES = tuple(sorted(_BODY_FIELDS.values()))


# Crockford's base32, the alphabet of ULIDs (https://github.com/ulid/spec).
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_last = [-1, 0]  # the milliseconds and randomness of this process's last id
_lock = threading.Lock()


def new_id(now: datetime) -> str:
    """A ULID for `now`: 48 bits of milliseconds and 80 random bits, unique and sorted by
    time. Within one millisecond the randomness counts up, as python-ulid's does, so the
    events one command writes at the same `now` keep their order. Written out here because
    python-ulid reads its own version through importlib.metadata at import, a cost every
    write would pay (tests check it against python-ulid)."""
    ms = int(now.timestamp() * 1000)
    with _lock:
        if ms == _last[0] and _last[1] < (1 << 80) - 1:
            randomness = _last[1] + 1
        else:
            randomness = int.from_bytes(os.urandom(10), "big")
        _last[:] = [ms, randomness]
    value = ms << 80 | randomness
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


class StoredEvent:
    """One event as read back (a plain class: dataclasses cost ms on `oo done`)."""

    __slots__ = ("event", "id", "source", "time", "type")

    def __init__(self, id: str, type: str, time: datetime, source: str, event: Any) -> None:
        self.id = id
        self.type = type
        self.time = time
        self.source = source
        self.event = event  # envelope_pb2.Event

    def body(self) -> Any:
        """The event's own message (e.g. a TipDecided for a tip_decided event)."""
        return getattr(self.event, self.type)

    def to_dict(self) -> dict[str, Any]:
        from google.protobuf import json_format  # readers only: off the write path

        body = json_format.MessageToDict(self.body(), preserving_proto_field_name=True)
        return {
            "id": self.id,
            "type": self.type,
            "time": iso(self.time),
            "source": self.source,
            "body": body,
        }


def append(conn: sqlite3.Connection, body: Message, *, now: datetime, source: str = "oo") -> str:
    """Append one event and return its id. Call inside a transaction."""
    field = _BODY_FIELDS.get(body.DESCRIPTOR.full_name)
    if field is None:
        raise TypeError(f"{body.DESCRIPTOR.full_name} is not an event body")
    event_id = new_id(now)
    event = Event(id=event_id, type=field, source=source)
    event.time.FromDatetime(now)
    getattr(event, field).CopyFrom(body)
    conn.execute(
        "INSERT INTO events (id, type, time, source, payload) VALUES (?, ?, ?, ?, ?)",
        (event_id, field, iso(now), source, event.SerializeToString()),
    )
    return event_id


def read(
    conn: sqlite3.Connection,
    *,
    type: str | None = None,
    source: str | None = None,
    limit: int | None = None,
    newest: int | None = None,
    after: str | None = None,
) -> Iterator[StoredEvent]:
    """Events in the order they happened, optionally filtered.

    `limit` keeps the first N, `newest` the last N (still oldest first), `after` only events
    whose id sorts after the given one.
    """
    where, params = [], []
    if type is not None:
        where.append("type = ?")
        params.append(type)
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if after is not None:
        where.append("id > ?")
        params.append(after)
    sql = "SELECT id, type, time, source, payload FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if newest is not None:
        sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT {int(newest)})"
    sql += " ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    for row in conn.execute(sql, params):
        event = Event.FromString(row["payload"])
        yield StoredEvent(row["id"], row["type"], parse_iso(row["time"]), row["source"], event)
