"""Hostile and odd calendars: sub-daily rules, huge files and downloads, slow servers, empty
RRULE lines and free (TRANSPARENT) events, read as recurring-ical-events reads them and
within a time and size budget, in a child process."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from oo.connectors import calendar, child
from oo.connectors.base import ConnectorError, Item, State
from oo.connectors.sync import sync
from oo.engine.context import gather
from tests.connectors_support import (  # noqa: F401
    FIXTURES,
    connect,
    memory_keyring,
    real_keyring,
    utc,
)
from tests.test_connectors_calendar import _reference_expand

NOW = datetime(2025, 3, 10, 9, 5, tzinfo=UTC)


def _pull(secret: dict[str, str]) -> list[Item]:
    return calendar.CalendarConnector().pull(None, State(NOW, "test", secret)).items


def test_a_rule_repeating_every_second_is_refused_without_building_it(utc: None) -> None:
    with pytest.raises(ConnectorError) as info:
        _pull({"path": str(FIXTURES / "secondly.ics")})
    message = str(info.value)
    assert message.startswith("the calendar is too large to read: a rule repeating every second")
    assert "over the 1,000 oO reads a series; nothing was changed" in message


def test_a_minutely_rule_with_by_parts_since_years_is_refused_before_walking(utc: None) -> None:
    with pytest.raises(ConnectorError, match="every minute since 2015-01-01 has 5,37"):
        _pull({"path": str(FIXTURES / "minutely.ics")})


def test_a_sub_daily_rule_of_sane_size_expands_like_the_library(utc: None) -> None:
    path = FIXTURES / "half_hourly.ics"
    items = _pull({"path": str(path)})
    reference = _reference_expand(calendar._parse(path.read_bytes()), NOW)
    assert items == reference and len(items) == 6


def test_empty_rrule_lines_are_read_as_no_rule_like_the_library(utc: None) -> None:
    path = FIXTURES / "empty_rrule.ics"
    items = _pull({"path": str(path)})
    assert [(i.start, i.all_day, i.busy) for i in items] == [
        ("2025-03-11", True, False),
        ("2025-03-13", True, True),
    ]
    assert items == _reference_expand(calendar._parse(path.read_bytes()), NOW)


def test_a_free_event_is_neither_busy_nor_next_and_the_next_is_found_days_ahead(
    conn: sqlite3.Connection, memory_keyring: object, utc: None
) -> None:
    path = FIXTURES / "transparent.ics"
    connect(conn, "calendar", path.name, {"path": str(path)}, method="file", now=NOW)
    assert sync(conn, "calendar", now=NOW).ok
    # The next event is the review three days ahead, not the free one 25 minutes ahead (nor
    # none at all), and the free one does not make the person busy.
    assert gather(conn, NOW).minutes_to_next_event == pytest.approx(3 * 24 * 60 - 5)
    inside = gather(conn, datetime(2025, 3, 10, 9, 40, tzinfo=UTC))
    assert inside.busy_now is False
    assert inside.minutes_to_next_event == pytest.approx(3 * 24 * 60 - 40)


def _big_calendar(path: Path, megabytes: int) -> None:
    """A real-looking calendar of `megabytes` MB: many small plain events."""
    event = (
        "BEGIN:VEVENT\r\nUID:{n}@example.com\r\nDTSTAMP:20250101T000000Z\r\n"
        "DTSTART:20240101T090000Z\r\nDTEND:20240101T100000Z\r\n"
        "SUMMARY:Filler event number {n} with a long enough title\r\nEND:VEVENT\r\n"
    )
    with path.open("w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//oO tests//big//EN\r\n")
        n = 0
        while f.tell() < megabytes * 1024 * 1024:
            f.write("".join(event.format(n=n + k) for k in range(1000)))
            n += 1000
        f.write("END:VCALENDAR\r\n")


class _Stream(BaseHTTPRequestHandler):
    """Serves `body` with no Content-Length (read until the connection closes), at `pause`
    seconds between chunks."""

    protocol_version = "HTTP/1.0"
    body = b""
    pause = 0.0
    chunk = 64 * 1024

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        view = memoryview(self.body)
        try:
            for start in range(0, len(view), self.chunk):
                self.wfile.write(view[start : start + self.chunk])
                if self.pause:
                    time.sleep(self.pause)
        except OSError:
            pass  # the client hung up: what a cut-off looks like from here

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stream_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    _Stream.body, _Stream.pause, _Stream.chunk = b"", 0.0, 64 * 1024


def test_a_50_mb_file_and_a_50_mb_download_are_refused(
    tmp_path: Path, stream_server: ThreadingHTTPServer
) -> None:
    big = tmp_path / "big.ics"
    _big_calendar(big, 50)
    with pytest.raises(ConnectorError, match=r"is 50\.\d MB; oO reads calendars up to 16 MB"):
        _pull({"path": str(big)})
    _Stream.body = big.read_bytes()
    url = f"http://127.0.0.1:{stream_server.server_address[1]}/secret/big.ics"
    with pytest.raises(ConnectorError, match="the calendar is over 16 MB; oO reads calendars"):
        _pull({"url": url})


def test_a_calendar_that_takes_too_long_is_stopped_by_the_time_budget(
    stream_server: ThreadingHTTPServer,
) -> None:
    _Stream.body = (FIXTURES / "week.ics").read_bytes()
    _Stream.chunk, _Stream.pause = 16, 1.0  # a trickle: each read answers, the whole does not
    url = f"http://127.0.0.1:{stream_server.server_address[1]}/secret/slow.ics"
    with pytest.raises(ConnectorError, match=r"the calendar source took over 3 s to read"):
        child.pull("calendar", State(NOW, "test", {"url": url}), timeout=3)


@pytest.mark.desktop
def test_a_hostile_calendar_is_one_clear_error_in_status(
    oo: Callable[..., subprocess.CompletedProcess[str]],
    oo_home: Path,
    real_keyring: None,
    tmp_path: Path,
) -> None:
    env = {"OO_NOW": "2025-03-10T09:05:00+00:00", "TZ": "UTC"}
    path = tmp_path / "work.ics"
    shutil.copy(FIXTURES / "week.ics", path)
    assert oo("connect", "calendar", "--yes", str(path), env=env).returncode == 0
    shutil.copy(FIXTURES / "secondly.ics", path)  # the feed turns hostile
    synced = oo("sync", env=env)
    assert synced.returncode != 0 or "too large to read" in synced.stdout + synced.stderr
    assert "Traceback" not in synced.stderr
    status = oo("status", env=env)
    line = next(x for x in status.stdout.splitlines() if x.startswith("Source:"))
    assert "last error: the calendar is too large to read: a rule repeating every second" in line
    assert "7 items" not in line


def test_a_calendar_built_to_be_slow_is_stopped_by_the_cpu_budget(tmp_path: Path) -> None:
    # 150 daily series from 1700, each with an EXDATE (so no shortcut applies): dateutil
    # walks 117,000 days for each, far more than 10 s of work. Small, and under every
    # other bound.
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO tests//slow//EN"]
    for n in range(150):
        lines += [
            "BEGIN:VEVENT",
            f"UID:slow{n}@example.com",
            "DTSTAMP:20250101T000000Z",
            "DTSTART:17000101T090000Z",
            "DTEND:17000101T100000Z",
            "RRULE:FREQ=DAILY;BYDAY=MO",
            "EXDATE:17000106T090000Z",
            "END:VEVENT",
        ]
    path = tmp_path / "slow.ics"
    path.write_text("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n")
    assert path.stat().st_size < 100_000
    with pytest.raises(ConnectorError, match=r"needs over 10 s of work to read"):
        # A generous wall clock: on a loaded machine the CPU budget must be what stops it.
        child.pull("calendar", State(NOW, "test", {"path": str(path)}), timeout=900)
