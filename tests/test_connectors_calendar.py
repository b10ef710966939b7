"""Calendars from ICS: recurrences expanded over the week, signals, and bad calendars."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oo.clock import iso
from oo.connectors import calendar
from oo.connectors.base import ConnectorError, Item, State
from oo.connectors.sync import disconnect, sync
from tests.connectors_support import FIXTURES, connect, memory_keyring, utc  # noqa: F401

NOW = datetime(2025, 3, 10, 9, 5, tzinfo=UTC)


def _pull(path: Path) -> list[Item]:
    connector = calendar.CalendarConnector()
    return connector.pull(None, State(NOW, path.name, {"path": str(path)})).items


def test_a_week_expands_rrule_exdate_overrides_all_day_and_zones(utc: None) -> None:
    items = _pull(FIXTURES / "week.ics")
    starts = [(i.start, i.all_day, i.busy) for i in items]
    assert starts == [
        ("2025-03-10T09:00:00.000000Z", False, True),  # 10:00 Berlin
        ("2025-03-10T13:00:00.000000Z", False, True),
        ("2025-03-11", True, False),  # all day, transparent
        ("2025-03-11T09:00:00.000000Z", False, True),
        # 12 March is an EXDATE; 13 March was moved to 14:00 Berlin by a RECURRENCE-ID
        ("2025-03-13T13:00:00.000000Z", False, True),
        ("2025-03-14T09:00:00.000000Z", False, True),
        ("2025-03-17T09:00:00.000000Z", False, True),
    ]
    assert all("CANARY" not in repr(i) for i in items)


def test_signals_busy_now_next_event_free_block_events_today(
    conn: sqlite3.Connection, memory_keyring: object, utc: None
) -> None:
    path = FIXTURES / "week.ics"
    connect(conn, "calendar", path.name, {"path": str(path)}, method="file", now=NOW)
    assert sync(conn, "calendar", now=NOW).ok
    assert calendar.context(conn, NOW) == {
        "busy_now": 1,
        "minutes_to_next_event": 235,
        "free_block_minutes": 0,
        "events_today": 2,
    }
    later = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)
    assert calendar.context(conn, later)["free_block_minutes"] == 180


def test_a_malformed_calendar_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="malformed"):
        _pull(FIXTURES / "malformed.ics")
    page = tmp_path / "page.ics"
    page.write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(ConnectorError, match="web page"):
        _pull(page)


def test_a_20_mb_calendar_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.ics"
    with big.open("w") as f:
        f.write("BEGIN:VCALENDAR\nVERSION:2.0\n")
        f.write(("X-FILLER:" + "x" * 1000 + "\n") * 20_500)
        f.write("END:VCALENDAR\n")
    with pytest.raises(ConnectorError, match=r"is 19\.\d MB; oO reads calendars up to 16 MB"):
        _pull(big)


def test_10000_recurring_events_expand(tmp_path: Path, utc: None) -> None:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO//EN"]
    for n in range(10_000):
        lines += [
            "BEGIN:VEVENT",
            f"UID:e{n}@example.com",
            "DTSTAMP:20250101T000000Z",
            f"DTSTART:20250101T{n % 24:02d}0000Z",
            f"DTEND:20250101T{n % 24:02d}3000Z",
            "RRULE:FREQ=WEEKLY",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path = tmp_path / "many.ics"
    path.write_text("\r\n".join(lines) + "\r\n")
    items = _pull(path)
    assert len(items) == 10_000  # one Wednesday occurrence each


class _Answer(BaseHTTPRequestHandler):
    status = 200
    kind = "text/calendar"
    body = (FIXTURES / "week.ics").read_bytes()

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", self.kind)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def ics_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    _Answer.status, _Answer.kind = 200, "text/calendar"
    _Answer.body = (FIXTURES / "week.ics").read_bytes()


def test_a_url_that_answers_404_or_html(
    conn: sqlite3.Connection, memory_keyring: object, ics_server: ThreadingHTTPServer, utc: None
) -> None:
    url = f"http://127.0.0.1:{ics_server.server_address[1]}/private/CANARY-SECRET-PATH/basic.ics"
    account, secret = calendar.secret_for(url)
    assert account == "127.0.0.1" and secret == {"url": url}
    connect(conn, "calendar", account, secret, method="url", now=NOW)
    first = sync(conn, "calendar", now=NOW)
    assert first.ok and first.items == 7
    _Answer.status = 404
    result = sync(conn, "calendar", now=NOW)
    assert not result.ok and "404" in (result.error or "")
    _Answer.status, _Answer.kind, _Answer.body = 200, "text/html", b"<!doctype html><p>Login"
    result = sync(conn, "calendar", now=NOW)
    assert not result.ok and "web page" in (result.error or "")
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 7  # nothing lost
    dump = "\n".join(
        str(tuple(r))
        for t in ("sources", "egress", "events", "items")
        for r in conn.execute(f"SELECT * FROM {t}")
    )
    assert "CANARY-SECRET-PATH" not in dump
    disconnect(conn, "calendar", now=NOW)
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0


def test_webcal_becomes_https() -> None:
    account, secret = calendar.secret_for("webcal://cal.example.com/s3cret/basic.ics")
    assert account == "cal.example.com"
    assert secret == {"url": "https://cal.example.com/s3cret/basic.ics"}


# The fast window expansion yields exactly what the plain library call yields -------------

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe")


def _reference_expand(parsed: object, now: datetime) -> list[Item]:
    """The straightforward expansion: recurring-ical-events' `between`, one copied
    component per occurrence, read back property by property (oO before the fast path)."""
    import recurring_ical_events

    local_start = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    end = now.astimezone() + calendar.WINDOW
    items: dict[str, Item] = {}
    for event in recurring_ical_events.of(parsed, skip_bad_series=True).between(local_start, end):
        if len(items) >= calendar.MAX_EVENTS:
            break
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start_value = event["DTSTART"].dt
        all_day = not isinstance(start_value, datetime)
        start = calendar._as_utc(start_value)
        finish = calendar._as_utc(event["DTEND"].dt)
        busy = str(event.get("TRANSP", "OPAQUE")).upper() != "TRANSPARENT"
        item_id = calendar._event_id(str(event.get("UID", "")), start)
        items[item_id] = Item(
            item_id=item_id,
            kind="event",
            start=start_value.isoformat() if all_day else iso(start),
            end=finish.astimezone().date().isoformat() if all_day else iso(finish),
            all_day=all_day,
            busy=busy,
        )
    return sorted(items.values(), key=lambda i: (i.start or "", i.item_id))


def _stamp(day: date, hour: int, zone: int) -> str:
    """A DTSTART/DTEND-style property tail: all day, floating, UTC or one of ZONES."""
    if zone == 0:
        return f";VALUE=DATE:{day:%Y%m%d}"
    text = f"{day:%Y%m%d}T{hour:02d}3000"
    if zone == 1:
        return f":{text}"
    if zone == 2:
        return f":{text}Z"
    return f";TZID={ZONES[zone - 3]}:{text}"


def _event(n: int, draw: Callable[[int, int], int], base: date) -> list[str]:
    uid = f"u{n}@example.com"
    zone = draw(0, 2 + len(ZONES))
    day = base + timedelta(days=draw(-400, 40))
    hour = draw(0, 23)
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20250101T000000Z"]
    lines.append("DTSTART" + _stamp(day, hour, zone))
    length = draw(0, 3)
    if length == 1:
        lines.append(
            "DTEND"
            + _stamp(day + timedelta(days=draw(0, 2) if zone == 0 else 0), min(hour + 1, 23), zone)
        )
    elif length == 2:
        lines.append("DURATION:" + ("P1D" if zone == 0 else f"PT{draw(1, 300)}M"))
    elif length == 3 and zone != 0:
        lines.append("DTEND" + _stamp(day + timedelta(days=draw(1, 3)), hour, zone))
    rule = draw(0, 9) < 5
    if rule:
        parts = ["FREQ=" + ("DAILY", "WEEKLY", "WEEKLY", "MONTHLY", "YEARLY")[draw(0, 4)]]
        if draw(0, 2) == 0:
            parts.append(f"INTERVAL={draw(1, 3)}")
        ending = draw(0, 3)
        if ending == 1:
            parts.append(f"COUNT={draw(1, 60)}")
        elif ending == 2:
            until = day + timedelta(days=draw(0, 420))
            parts.append(
                f"UNTIL={until:%Y%m%d}"
                if zone == 0
                else f"UNTIL={until:%Y%m%d}T235959" + ("" if zone == 1 else "Z")
            )
        if draw(0, 4) == 0:
            parts.append("BYDAY=MO,WE,FR")
        lines.append("RRULE:" + ";".join(parts))
        if draw(0, 2) == 0:
            lines.append("EXDATE" + _stamp(day + timedelta(days=7 * draw(0, 60)), hour, zone))
        if draw(0, 6) == 0:
            lines.append("RDATE" + _stamp(base + timedelta(days=draw(-3, 9)), hour, zone))
    if draw(0, 8) == 0:
        lines.append("STATUS:CANCELLED")
    if draw(0, 6) == 0:
        lines.append("TRANSP:TRANSPARENT")
    lines.append("END:VEVENT")
    if rule and draw(0, 3) == 0:  # an override of a weekly slot, maybe moved into the week
        moved = base + timedelta(days=draw(-2, 9))
        rid = day + timedelta(days=7 * draw(0, 60))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20250101T000000Z",
            "RECURRENCE-ID"
            + ("" if draw(0, 3) else ";RANGE=THISANDFUTURE")
            + _stamp(rid, hour, zone).replace(";VALUE=DATE", ";VALUE=DATE", 1),
            "DTSTART" + _stamp(moved, draw(0, 23), zone),
            "END:VEVENT",
        ]
    return lines


def _generated(seed: int, events: int, base: date) -> bytes:
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO tests//gen//EN"]
    for n in range(events):
        lines += _event(n, rng.randint, base)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_fast_expansion_equals_the_plain_library_call(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        week = calendar._parse((FIXTURES / "week.ics").read_bytes())
        nows = [NOW, datetime(2025, 3, 28, 23, 30, tzinfo=UTC), datetime(2025, 10, 24, tzinfo=UTC)]
        for now in nows:
            assert calendar.expand(week, now) == _reference_expand(week, now)
            generated = calendar._parse(_generated(now.day, 800, now.date()))
            fast = calendar.expand(generated, now)
            assert fast == _reference_expand(generated, now)
            assert len(fast) > 100  # the week is not empty: the comparison means something
    finally:
        monkeypatch.undo()
        time.tzset()


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 400), st.integers(0, 23))
def test_fast_expansion_equals_the_plain_library_call_on_random_calendars(
    rng: random.Random, day: int, hour: int
) -> None:
    now = datetime(2024, 6, 1, hour, tzinfo=UTC) + timedelta(days=day)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO tests//gen//EN"]
    for n in range(40):
        lines += _event(n, rng.randint, now.date())
    lines.append("END:VCALENDAR")
    parsed = calendar._parse(("\r\n".join(lines) + "\r\n").encode())
    try:
        expected = _reference_expand(parsed, now)
    except Exception:  # the library refuses this calendar: so must the fast path
        with pytest.raises(ConnectorError):
            calendar.expand(parsed, now)
        return
    assert calendar.expand(parsed, now) == expected
