"""Sync speed: 10,000 Todoist tasks from the loopback server, and a 5,000-event ICS expanded
over 7 days. Prints wall time and peak Python memory (tracemalloc) for each, against targets
of 3 s and 1 s. Run: .venv/bin/python benchmarks/bench_sync.py
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


def measure(label: str, target_s: float, fn) -> None:  # type: ignore[no-untyped-def]
    """Time one run as is, then measure peak memory in a second run (tracemalloc slows it)."""
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


def bench_calendar() -> None:
    from oo.connectors import calendar

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO bench//EN"]
    for n in range(5_000):
        rule = ["RRULE:FREQ=WEEKLY"] if n % 2 else []
        lines += [
            "BEGIN:VEVENT",
            f"UID:e{n}@example.com",
            "DTSTAMP:20250101T000000Z",
            f"DTSTART:202503{10 + n % 7:02d}T{n % 24:02d}0000Z",
            f"DTEND:202503{10 + n % 7:02d}T{n % 24:02d}3000Z",
            *rule,
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    data = ("\r\n".join(lines) + "\r\n").encode()

    def parse_and_expand() -> str:
        items = calendar.expand(calendar._parse(data), NOW)
        return f"{len(items)} occurrences (half of the events recur weekly)"

    def expand_only() -> str:
        return f"{len(calendar.expand(parsed, NOW))} occurrences"

    measure("ics parse + expand, 5,000 events", 1.0, parse_and_expand)
    parsed = calendar._parse(data)
    measure("ics expand only, 5,000 events", 1.0, expand_only)


if __name__ == "__main__":
    bench_todoist()
    bench_calendar()
