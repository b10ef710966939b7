"""Sync speed: 10,000 Todoist tasks from the loopback server, and 5,000- and 10,000-event ICS
files parsed and expanded over 7 days. Prints wall time and peak Python memory (tracemalloc)
for each, against targets of 3 s and 1 s; for the calendar, the parse of the whole calendar
(before) and of the window's lines, the expansion, and the plain recurring-ical-events
expansion (before oO's window expansion) for comparison.

Then hostile and large calendars through the real commands (`--connect` runs only these):
for a 10,000-event calendar (10,000 weekly series, and three years of meetings) and a
SECONDLY rule, `oo connect calendar` wall time and peak RSS (the command and its calendar
child), and the resident daemon's RSS after it pulled the calendar, against targets of 3 s
and 60 MB. These run in a private D-Bus session with gnome-keyring (as scripts/test does),
so the daemon reads the real keyring.
Run: .venv/bin/python benchmarks/bench_sync.py [--calendar | --connect]
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


def _history(events: int) -> bytes:
    """A calendar as a work account exports it: three years of one-off meetings with titles,
    descriptions, attendees and alarms in a zone, and a few weekly series among them."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO bench//EN"]
    lines += ["BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "BEGIN:STANDARD"]
    lines += ["DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"]
    lines += ["TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD", "BEGIN:DAYLIGHT"]
    lines += ["DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"]
    lines += ["TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT", "END:VTIMEZONE"]
    for n in range(events):
        day = datetime(2022, 3, 14) + (NOW.replace(tzinfo=None) - datetime(2022, 3, 14)) * (
            n / events
        )
        when = f"{day:%Y%m%d}T{9 + n % 8:02d}0000"
        lines += [
            "BEGIN:VEVENT",
            f"UID:m{n}@example.com",
            "DTSTAMP:20250101T000000Z",
            f"DTSTART;TZID=Europe/Berlin:{when}",
            f"DTEND;TZID=Europe/Berlin:{when[:9]}{10 + n % 8:02d}0000",
            *(["RRULE:FREQ=WEEKLY"] if n % 50 == 0 else []),
            f"SUMMARY:Meeting number {n} about the quarterly plan",
            "DESCRIPTION:"
            + r"Agenda: numbers\, plans and next steps. Join at https://example.com/m/12345. " * 3,
            'ORGANIZER;CN="Someone Else":mailto:someone@example.com',
            'ATTENDEE;CN="A Person";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:a@example.com',
            'ATTENDEE;CN="B Person";ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:b@example.com',
            "LOCATION:Room 4.12",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Reminder",
            "TRIGGER:-PT15M",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    folded = []
    for line in lines:  # fold at 75 octets, as exporters do
        folded.append("\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74)))
    return ("\r\n".join(folded) + "\r\n").encode()


def bench_calendar() -> None:
    """Parse (icalendar, of the whole calendar and of the window's lines) and expand (oO's
    window expansion) timed apart, the plain recurring-ical-events expansion alongside for
    the before/after ratio."""
    from oo.connectors import calendar
    from tests.test_connectors_calendar import _reference_expand

    for label, data in (
        ("5,000 events, half weekly", _ics(5_000, recurring_only=False)),
        ("10,000 weekly events", _ics(10_000, recurring_only=True)),
        ("10,000 events over three years, with text and alarms", _history(10_000)),
    ):
        parsed = calendar._parse(data, NOW)

        def whole(data: bytes = data) -> str:
            return f"{len(calendar._parse(data).subcomponents)} components"

        def parse(data: bytes = data) -> str:
            return f"{len(calendar._parse(data, NOW).subcomponents)} components"

        def fast(parsed: object = parsed) -> str:
            return f"{len(calendar.expand(parsed, NOW))} occurrences"

        def plain(parsed: object = parsed) -> str:
            return f"{len(_reference_expand(parsed, NOW))} occurrences"

        def both(data: bytes = data) -> str:
            return f"{len(calendar.expand(calendar._parse(data, NOW), NOW))} occurrences"

        whole_s = measure(f"ics parse of the whole calendar (before), {label}", 1.0, whole)
        parse_s = measure(f"ics parse of the window's lines, {label}", 1.0, parse)
        expand_s = measure(f"ics expand, {label}", 1.0, fast)
        plain_s = measure(f"ics expand (plain library, before), {label}", 1.0, plain)
        measure(f"ics parse + expand, {label}", 1.0, both)
        print(
            f"  -> parse {whole_s / parse_s:.1f}x faster than the whole calendar's;"
            f" expand {plain_s / expand_s:.1f}x faster than the plain library call;"
            f" parse is {parse_s / (parse_s + expand_s):.0%} of parse + expand;"
            f" plain (whole parse + plain expand) {whole_s + plain_s:.2f} s"
        )


CONNECT_TARGET_S = 3.0
DAEMON_TARGET_MB = 60.0


def _secondly() -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO bench//EN"]
    lines += [
        "BEGIN:VEVENT",
        "UID:every-second@example.com",
        "DTSTAMP:20250101T000000Z",
        "DTSTART:20250301T000000Z",
        "DTEND:20250301T000001Z",
        "RRULE:FREQ=SECONDLY",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _children_peak_mb(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run cmd in a fresh Python, so RUSAGE_CHILDREN holds this command and its children
    only: (wall s, peak RSS MB of the command or any child, last output line)."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(json.loads(sys.argv[1]), capture_output=True, text=True)\n"
        "t = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([t, peak, (r.stdout.strip() or r.stderr.strip()).splitlines()[-1:]]))\n"
    )
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(cmd)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall, peak, last = json.loads(out)
    return wall, peak, (last[0] if last else "")


def _daemon_rss_after_pull(oo: str, env: dict[str, str], home: Path) -> tuple[float, float, str]:
    """Start `oo daemon run`, wait until it pulled the calendar, read its RSS (now, peak)."""
    import sqlite3
    import subprocess

    db = home / "oo.db"

    def pulls() -> int:
        with sqlite3.connect(db) as c:
            return int(
                c.execute("SELECT COUNT(*) FROM events WHERE type = 'source_synced'").fetchone()[0]
            )

    before = pulls()
    proc = subprocess.Popen(
        [oo, "daemon", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while pulls() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3.0)  # let the sync job and what follows it settle
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        now = next(int(x.split()[1]) for x in status if x.startswith("VmRSS:")) / 1024
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:")) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    with sqlite3.connect(db) as c:
        error = c.execute("SELECT last_error FROM sources WHERE name = 'calendar'").fetchone()
    return now, peak, (error[0] or "ok") if error else "not connected"


def _daemon_rss_without_calendar(oo: str) -> float:
    """The same daemon with no source, after its first round of jobs: the baseline."""
    import json
    import shutil
    import subprocess

    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    env = {**os.environ, "OO_HOME": str(home), "TZ": "UTC"}
    proc = subprocess.Popen(
        [oo, "daemon", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if len(json.loads((home / "daemon.json").read_text()).get("runs", {})) >= 6:
                    break
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.2)
        time.sleep(1.0)
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        return next(int(x.split()[1]) for x in status if x.startswith("VmRSS:")) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(home, ignore_errors=True)


def bench_connect() -> None:
    """`oo connect calendar` and a daemon pull, for a 10,000-event calendar and SECONDLY."""
    import shutil

    oo = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"
    idle = _daemon_rss_without_calendar(oo)
    print(f"daemon with no source, after its first jobs: RSS {idle:.1f} MB")
    for label, data in (
        ("10,000 weekly events", _ics(10_000, recurring_only=True)),
        ("10,000 events over three years, with text and alarms", _history(10_000)),
        ("a SECONDLY rule", _secondly()),
    ):
        home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
        path = home.parent / f"{home.name}.ics"
        path.write_bytes(data)
        env = {
            **os.environ,
            "OO_HOME": str(home),
            "TZ": "UTC",
            "OO_NOW": "2025-03-10T09:00:00+00:00",
            "OO_CALENDAR_FRESHNESS_MINUTES": "0.05",  # the daemon pulls at once
        }
        wall, peak, line = _children_peak_mb([oo, "connect", "calendar", "--yes", str(path)], env)
        print(
            f"oo connect calendar, {label}: {wall:.2f} s (target {CONNECT_TARGET_S:g} s, ratio"
            f" {wall / CONNECT_TARGET_S:.2f}), peak RSS {peak:.1f} MB (command or its child);"
            f" {line[:110]}"
        )
        if not (home / "oo.db").exists() or "Connected" not in line:
            # Refused at connect: connect a plain calendar, then the feed turns hostile.
            path.write_bytes(_ics(10, recurring_only=False))
            _children_peak_mb([oo, "connect", "calendar", "--yes", str(path)], env)
            path.write_bytes(data)
        daemon_env = {k: v for k, v in env.items() if k != "OO_NOW"}
        rss, hwm, outcome = _daemon_rss_after_pull(oo, daemon_env, home)
        print(
            f"  daemon after pulling it: RSS {rss:.1f} MB (target {DAEMON_TARGET_MB:.0f} MB,"
            f" ratio {rss / DAEMON_TARGET_MB:.2f}), peak {hwm:.1f} MB; sync: {outcome[:100]}"
        )
        shutil.rmtree(home, ignore_errors=True)
        path.unlink(missing_ok=True)


def _in_keyring_session() -> bool:
    """Re-run this script inside a private D-Bus session with gnome-keyring, once."""
    if os.environ.get("OO_BENCH_SESSION"):
        return True
    import shutil

    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        print("bench_sync: no dbus-run-session or gnome-keyring; skipping the connect benchmark")
        return False
    script = (
        'export HOME=$(mktemp -d); eval "$(printf bench | gnome-keyring-daemon --unlock'
        ' --components=secrets)"; export PYTHON_KEYRING_BACKEND='
        'keyring.backends.SecretService.Keyring OO_BENCH_SESSION=1; exec "$0" "$@"'
    )
    sys.stdout.flush()
    argv = [a for a in sys.argv if a != "--connect"]
    os.execvp(
        "dbus-run-session",
        ["dbus-run-session", "--", "bash", "-c", script, sys.executable, *argv, "--connect"],
    )
    return False  # not reached


if __name__ == "__main__":
    if "--connect" not in sys.argv:
        if "--calendar" not in sys.argv:
            bench_todoist()
        bench_calendar()
    if _in_keyring_session():
        bench_connect()
