"""Sync speed: 10,000 Todoist tasks from the loopback server, and a 5,000-event ICS expanded
over 7 days. Prints wall time and peak Python memory (tracemalloc) for each, against targets
of 3 s and 1 s; for the calendar, parse and expand apart, and the plain recurring-ical-events
expansion (before oO's window expansion) for comparison.
Run: .venv/bin/python benchmarks/bench_sync.py [--calendar]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring

from tests.keyrings import MemoryKeyring
from tests.servers.todoist import TodoistServer, due, task

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def measure(label: str, target_s: float, fn) -> float:  # type: ignore[no-untyped-def]
    """Time one run as is, then measure peak memory in a second run (tracemalloc slows it).
    Returns the time."""
    started = time.perf_counter()
    detail = fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label}: {elapsed:.2f} s (target {target_s:g} s, ratio {elapsed / target_s:.2f}),"
        f" peak {peak / 1024 / 1024:.1f} MiB; {detail}"
    )
    return elapsed


def bench_todoist() -> None:
    os.environ["OO_HOME"] = tempfile.mkdtemp()
    keyring.set_keyring(MemoryKeyring())
    from oo.connectors.sync import sync
    from oo.store.db import open_store
    from tests.connectors_support import connect

    with TodoistServer() as server:
        os.environ.update(server.env())
        server.state.tasks = [task(i) for i in range(10_000)]
        for i in range(0, 10_000, 50):
            server.state.tasks[i]["due"] = due("2025-03-09")
        token = server.state.issue()
        conn = open_store()
        connect(conn, "todoist", "bench", {**token, "kind": "oauth"}, method="oauth", now=NOW)

        def run() -> str:
            result = sync(conn, "todoist", now=NOW)
            assert result.ok, result.error
            return f"{result.items} items, {result.candidates} todo tips"

        measure("todoist sync, 10,000 tasks", 3.0, run)


def _ics(events: int, recurring_only: bool) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO bench//EN"]
    for n in range(events):
        recurs = recurring_only or n % 2
        day = "20250101" if recurring_only else f"202503{10 + n % 7:02d}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:e{n}@example.com",
            "DTSTAMP:20250101T000000Z",
            f"DTSTART:{day}T{n % 24:02d}0000Z",
            f"DTEND:{day}T{n % 24:02d}3000Z",
            *(["RRULE:FREQ=WEEKLY"] if recurs else []),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def bench_calendar() -> None:
    """Parse (icalendar) and expand (oO's window expansion) timed apart, the plain
    recurring-ical-events expansion alongside for the before/after ratio."""
    from oo.connectors import calendar
    from tests.test_connectors_calendar import _reference_expand

    for label, data in (
        ("5,000 events, half weekly", _ics(5_000, recurring_only=False)),
        ("10,000 weekly events", _ics(10_000, recurring_only=True)),
    ):
        parsed = calendar._parse(data)

        def parse(data: bytes = data) -> str:
            return f"{len(calendar._parse(data).subcomponents)} components"

        def fast(parsed: object = parsed) -> str:
            return f"{len(calendar.expand(parsed, NOW))} occurrences"

        def plain(parsed: object = parsed) -> str:
            return f"{len(_reference_expand(parsed, NOW))} occurrences"

        def both(data: bytes = data) -> str:
            return f"{len(calendar.expand(calendar._parse(data), NOW))} occurrences"

        parse_s = measure(f"ics parse, {label}", 1.0, parse)
        expand_s = measure(f"ics expand, {label}", 1.0, fast)
        plain_s = measure(f"ics expand (plain library, before), {label}", 1.0, plain)
        measure(f"ics parse + expand, {label}", 1.0, both)
        print(
            f"  -> expand {plain_s / expand_s:.1f}x faster than the plain library call;"
            f" parse is {parse_s / (parse_s + expand_s):.0%} of parse + expand;"
            f" before (parse + plain expand) {parse_s + plain_s:.2f} s"
        )


if __name__ == "__main__":
    if "--calendar" not in sys.argv:
        bench_todoist()
    bench_calendar()
