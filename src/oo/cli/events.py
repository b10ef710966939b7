"""`oo events`: the event log, readable and filterable, with a follow mode."""

from __future__ import annotations

import time
from typing import Annotated, Any

from oo.cli import common
from oo.cli.lazy import typer
from oo.errors import OOError
from oo.store import events
from oo.store.db import open_store

FOLLOW_POLL_S = 0.5


def _line(event: events.StoredEvent) -> str:
    body = event.to_dict()["body"]
    parts = " ".join(f"{k}={_short(v)}" for k, v in body.items())
    when = event.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"{when}  {event.type:<18} {event.source:<9} {parts}".rstrip()


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\n", " ")
    return repr(text) if " " in text else text


def _print(event: events.StoredEvent, as_json: bool) -> None:
    if as_json:
        common.emit_json(event.to_dict())
    else:
        print(_line(event), flush=True)


MAX_LIMIT = 1_000_000


def events_command(
    type: Annotated[
        str | None, typer.Option("--type", "-t", help="Only events of this type.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Only events from this source.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="The newest N events.")] = 50,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events as they happen.")
    ] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON Lines.")] = False,
) -> None:
    if type is not None and type not in events.EVENT_TYPES:
        raise OOError(f"unknown event type {type!r}; one of: {', '.join(events.EVENT_TYPES)}", 2)
    if not 1 <= limit <= MAX_LIMIT:
        raise OOError(f"--limit takes a whole number from 1 to {MAX_LIMIT}", 2)
    conn = open_store()
    try:
        newest = list(events.read(conn, type=type, source=source, newest=limit))
        for event in newest:
            _print(event, json)
        if not follow:
            return
        last = newest[-1].id if newest else ""
        seen_version = None
        while True:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != seen_version:
                seen_version = version
                for event in events.read(conn, type=type, source=source, after=last):
                    _print(event, json)
                    last = event.id
            time.sleep(FOLLOW_POLL_S)
    except KeyboardInterrupt:
        return
    finally:
        conn.close()
