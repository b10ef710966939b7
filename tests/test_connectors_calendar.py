"""Calendars from ICS: recurrences expanded over the week, signals, and bad calendars."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from oo.connectors import calendar
from oo.connectors.base import ConnectorError, State
from oo.connectors.sync import disconnect, sync
from tests.connectors_support import FIXTURES, connect, memory_keyring, utc  # noqa: F401

NOW = datetime(2025, 3, 10, 9, 5, tzinfo=UTC)


def _pull(path: Path) -> list[calendar.Item]:
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
