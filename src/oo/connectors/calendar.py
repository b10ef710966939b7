"""Calendars from ICS: a local file or a secret subscription URL (kept in the keyring).

The calendar is parsed with icalendar and its recurrences (RRULE, EXDATE, RECURRENCE-ID)
expanded with recurring-ical-events from the start of today to 7 days ahead. Events become
items of kind "event" (start, end, all day, busy), never their titles; `context` derives the
signals the engine uses: busy now, minutes to the next event, the free block, events today.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from oo.clock import iso, parse_iso
from oo.connectors.base import (
    Connected,
    ConnectFlow,
    ConnectorError,
    Item,
    Pull,
    ReconnectNeeded,
    Setup,
    State,
)
from oo.privacy.consent import ConsentText
from oo.text import sanitize

NAME = "calendar"
WINDOW = timedelta(days=7)
MAX_BYTES = 16 * 1024 * 1024  # the largest file or download read
MAX_EVENTS = 20_000  # occurrences in the window, in all
WHAT = "the calendar server"


def secret_for(location: str) -> tuple[str, dict[str, str]]:
    """(account, secret) for a path or URL given to `oo connect calendar`.

    The account is what `oo status` shows: the file's name or the URL's host, never the
    URL's secret path.
    """
    parts = urlsplit(location)
    if parts.scheme in ("http", "https", "webcal", "webcals"):
        if not parts.hostname:
            raise ConnectorError("the calendar URL has no host")
        scheme = "https" if parts.scheme in ("webcal", "webcals") else parts.scheme
        url = parts._replace(scheme=scheme).geturl()
        return sanitize(parts.hostname, limit=200), {"url": url}
    path = Path(location).expanduser()
    if not path.is_file():
        raise ConnectorError(f"no calendar file at {location}; give an .ics file or its URL")
    return sanitize(path.name, limit=200) or "calendar", {"path": str(path.resolve())}


def _size_error(size: int) -> ConnectorError:
    return ConnectorError(
        f"the calendar is {size / 1024 / 1024:.1f} MB; oO reads calendars up to"
        f" {MAX_BYTES // 1024 // 1024} MB; nothing was changed"
    )


def _fetch(client: Any, state: State) -> bytes:
    secret = state.secret
    if "path" in secret:
        path = Path(str(secret["path"]))
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise _size_error(size)
            return path.read_bytes()
        except FileNotFoundError:
            raise ConnectorError(
                f"the calendar file {path.name} is gone; reconnect with `oo connect calendar PATH`"
            ) from None
        except OSError as exc:
            raise ConnectorError(f"cannot read the calendar file ({exc.strerror})") from None
    url = secret.get("url")
    if not isinstance(url, str):
        raise ReconnectNeeded("reconnect needed: no calendar is saved; run `oo connect calendar`")
    from oo.connectors.http import check, send

    # Streamed, and cut off past MAX_BYTES: a subscription is someone else's content.
    response = send(client, "GET", url, what=WHAT, stream=True)
    try:
        if response.status_code == 404:
            raise ConnectorError(
                "the calendar URL answers 404 (not found): check the address or make a new"
                " one; nothing was changed"
            )
        check(response, what=WHAT, source=NAME)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise _size_error(int(declared))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise ConnectorError(
                    f"the calendar is over {MAX_BYTES // 1024 // 1024} MB; oO reads calendars"
                    f" up to {MAX_BYTES // 1024 // 1024} MB; nothing was changed"
                )
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        response.close()


def window(now: datetime) -> tuple[datetime, datetime]:
    """The span a pull reads: from the start of today (local time) to 7 days after now."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0), local + WINDOW


def _parse(data: bytes, now: datetime | None = None) -> Any:
    """The parsed calendar; with `now`, only what can matter for its window is parsed
    (see `ics_lines`), which gives the same occurrences in the window."""
    import icalendar  # wraps icalendar

    from oo.connectors import ics_lines  # wraps icalendar's content lines

    head = data.lstrip()[:64].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")):
        raise ConnectorError(
            "the calendar address answered with a web page, not an ICS calendar;"
            " nothing was changed"
        )
    if not head.startswith(b"begin:vcalendar"):
        raise ConnectorError(
            "this is not an ICS calendar (no BEGIN:VCALENDAR); nothing was changed"
        )
    try:
        if now is None:
            return icalendar.Calendar.from_ical(data)
        return ics_lines.parse(data, *window(now))
    except Exception as exc:
        raise ConnectorError(
            f"the calendar is malformed ({type(exc).__name__}); nothing was changed"
        ) from None


def _as_utc(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.astimezone().astimezone(UTC)
    return datetime.combine(value, time()).astimezone().astimezone(UTC)


def _event_id(uid: str, start: datetime) -> str:
    digest = hashlib.blake2b(f"{uid}|{iso(start)}".encode(), digest_size=12).hexdigest()
    return f"ev-{digest}"


def expand(calendar: Any, now: datetime) -> list[Item]:
    """Occurrences from the start of today to 7 days ahead, as event items.

    `ics_window.between` gives what recurring-ical-events' `between` gives for the window,
    without expanding series that cannot reach it or copying every occurrence. A series
    with more than `ics_window.MAX_PER_SERIES` occurrences in the window, or a calendar with
    more than MAX_EVENTS, is refused with a clear error.
    """
    from oo.connectors import ics_window  # wraps recurring-ical-events

    try:
        occurrences = ics_window.between(calendar, *window(now))
    except ics_window.TooMany as exc:
        raise _too_many(exc.what) from None
    except Exception as exc:
        raise ConnectorError(
            f"the calendar's recurrences cannot be expanded ({type(exc).__name__});"
            " nothing was changed"
        ) from None
    if len(occurrences) > MAX_EVENTS:
        raise _too_many(
            f"it has {len(occurrences):,} occurrences this week, over the {MAX_EVENTS:,} oO reads"
        )
    items: dict[str, Item] = {}
    per_series: dict[str, int] = {}
    for occurrence in occurrences:
        event = occurrence.component
        uid = str(event.get("UID", ""))
        per_series[uid] = per_series.get(uid, 0) + 1
        if per_series[uid] > ics_window.MAX_PER_SERIES:
            raise _too_many(
                f"a series has over {ics_window.MAX_PER_SERIES:,} occurrences this week"
            )
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start_value = occurrence.start
        all_day = not isinstance(start_value, datetime)
        start = _as_utc(start_value)
        finish = _as_utc(occurrence.end)
        busy = str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
        item_id = _event_id(uid, start)
        items[item_id] = Item(
            item_id=item_id,
            kind="event",
            start=start_value.isoformat() if all_day else iso(start),
            end=(finish.astimezone().date().isoformat() if all_day else iso(finish)),
            all_day=all_day,
            busy=busy,
        )
    return sorted(items.values(), key=lambda i: (i.start or "", i.item_id))


def _too_many(what: str) -> ConnectorError:
    return ConnectorError(f"the calendar is too large to read: {what}; nothing was changed")


class CalendarConnector:
    name = NAME
    scopes: tuple[str, ...] = ()
    freshness_target = timedelta(minutes=60)
    # Read in a short-lived child (see `oo.connectors.child`): a calendar's size never grows
    # the process that asked, and a hostile one is stopped by a time and memory budget.
    isolated = True
    connect_flow = ConnectFlow(
        "an .ics file, or a secret ICS URL (webcal:// works)", argument="PATH_OR_URL"
    )
    consent = ConsentText(
        NAME,
        2,
        reads="the events of your calendar feed, from now to 7 days ahead.",
        keeps="event start and end times, all-day and busy flags, and event ids. "
        "No titles, places or attendees.",
        sends="to the model you set up (on this machine, or a cloud one only after "
        "`oo llm consent`): whether you are busy now, the minutes to your next busy event "
        "and how many are left today. Never a title, place or attendee.",
    )
    privacy = (
        "Its file path or secret URL is in your OS keyring. oO keeps event times, all-day"
        " and busy flags and event ids; no titles, places or attendees."
    )

    def connect(self, client: Any, setup: Setup) -> Connected:
        """The path or URL given on the command line; the first pull checks it."""
        if setup.argument is None:
            raise ConnectorError(f"give the calendar: `oo connect {NAME} PATH_OR_URL`")
        account, secret = secret_for(setup.argument)
        return Connected(account, secret, "url" if "url" in secret else "file")

    def prepare(self, client: Any, state: State) -> State:
        return state

    def pull(self, client: Any, state: State) -> Pull:
        from oo.connectors import child

        return Pull(items=child.pull(NAME, state))

    def pull_here(self, client: Any, state: State) -> Pull:
        """The pull itself, in this process (the child runs it)."""
        return Pull(items=expand(_parse(_fetch(client, state), state.now), state.now))

    def revoke(self, client: Any, state: State) -> None:
        """An ICS address has nothing to revoke: deleting it from the keyring is all."""


# Signals for the engine, read from the stored items (standard library only) -----------------


def _span(row: sqlite3.Row) -> tuple[datetime, datetime]:
    if row["all_day"]:
        start = datetime.combine(date.fromisoformat(row["start"]), time()).astimezone()
        end = datetime.combine(date.fromisoformat(row["end"]), time()).astimezone()
        return start.astimezone(UTC), end.astimezone(UTC)
    return parse_iso(row["start"]), parse_iso(row["end"])


def context(conn: sqlite3.Connection, now: datetime) -> dict[str, Any]:
    """busy_now, minutes_to_next_event, free_block_minutes, events_today (timed, busy events;
    all-day events count for events_today only)."""
    today = now.astimezone().date()
    spans: list[tuple[datetime, datetime]] = []
    events_today = 0
    for row in conn.execute(
        "SELECT start, end, all_day, busy FROM items WHERE kind = 'event' AND source = ?"
        " ORDER BY start",
        (NAME,),
    ):
        start, end = _span(row)
        if start.astimezone().date() == today:
            events_today += 1
        if row["busy"] and not row["all_day"] and end > now:
            spans.append((start, end))
    busy_now = any(s <= now < e for s, e in spans)
    upcoming = sorted(s for s, _ in spans if s > now)
    minutes_to_next = int((upcoming[0] - now).total_seconds() // 60) if upcoming else None
    free_block = 0 if busy_now else minutes_to_next
    return {
        "busy_now": int(busy_now),
        "minutes_to_next_event": minutes_to_next,
        "free_block_minutes": free_block,
        "events_today": events_today,
    }
