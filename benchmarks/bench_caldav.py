"""CalDAV pulls against a real Radicale on loopback: a calendar of 300 events (a third of them
weekly series), pulled in full, then incrementally after one event changed. Prints both
times, the bytes received and their ratios, measured in the same run.
Run: .venv/bin/python benchmarks/bench_caldav.py
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oo.connectors.base import Setup, State
from oo.connectors.caldav import CalDAVConnector
from oo.connectors.http import Recorder, client
from tests.servers.radicale import PASSWORD, RadicaleServer

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
EVENTS = 300


def event(n: int, hour: int) -> str:
    rule = "RRULE:FREQ=WEEKLY;COUNT=20\n" if n % 3 == 0 else ""
    day = 10 + n % 7
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//oO bench//EN\nBEGIN:VEVENT\n"
        f"UID:bench-{n}\nDTSTAMP:20250301T000000Z\nDTSTART:202503{day:02d}T{hour:02d}0000Z\n"
        f"DTEND:202503{day:02d}T{hour:02d}3000Z\n{rule}SUMMARY:Event {n}\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )


def main() -> None:
    with RadicaleServer(Path(tempfile.mkdtemp()) / "radicale") as server:
        cal = server.calendar("Work")
        saved = [cal.save_event(event(n, 8 + n % 10)) for n in range(EVENTS)]
        connector = CalDAVConnector()
        recorder = Recorder(source="caldav", purpose="sync")
        with client(recorder) as http:
            setup = Setup(now=NOW, argument=server.url(), stdin=io.StringIO(PASSWORD + "\n"))
            done = connector.connect(http, setup)
            recorder.entries.clear()
            started = time.perf_counter()
            full = connector.pull(http, State(NOW, done.account, done.secret))
            full_s = time.perf_counter() - started
            full_in = sum(e.bytes_in for e in recorder.entries)
            saved[1].data = event(1, 19)
            saved[1].save()
            recorder.entries.clear()
            started = time.perf_counter()
            step = connector.pull(http, State(NOW, done.account, done.secret, cursor=full.cursor))
            step_s = time.perf_counter() - started
            step_in = sum(e.bytes_in for e in recorder.entries)
        assert len(step.items) == len(full.items)
        print(
            f"full pull: {full_s * 1000:.0f} ms, {full_in / 1024:.0f} KiB in, {len(full.items)}"
            f" occurrences; incremental after one change: {step_s * 1000:.0f} ms,"
            f" {step_in / 1024:.1f} KiB in; ratio time {step_s / full_s:.2f},"
            f" bytes {step_in / full_in:.3f}"
        )


if __name__ == "__main__":
    main()
