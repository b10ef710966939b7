"""The daemon's scheduler in-process, with its clock moved explicitly (never slept through):
missed runs coalesce after a suspend, missing parts are skipped, sources are pulled on
their freshness target with backoff, and at most the budget is sent in a simulated day."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oo.clock import iso
from oo.daemon import jobs, timing
from oo.daemon.notify import Availability
from oo.daemon.service import EVERY, Daemon
from oo.errors import OOError
from oo.store import events
from tests.connectors_support import FIXTURES, connect
from tests.servers.todoist import TodoistServer, task

START = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingNotifier:
    """Stands in for the OS only where no notification may be shown (budget 0 tests)."""

    def __init__(self) -> None:
        self.state = Availability()
        self.shown: list[str] = []

    async def show(self, tip_id: str, text: str) -> bool:
        self.shown.append(tip_id)
        return True


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def quiet_config(oo_home: Path) -> None:
    oo_home.mkdir(parents=True, exist_ok=True)
    (oo_home / "config.toml").write_text(
        '[notify]\ndaily_budget = 0\n\n[llm]\ntip-generator = "off"\n'
    )


async def _settle(daemon: Daemon, runs: int, timeout: float = 60.0) -> None:
    """Let the loop run until the scheduler has finished `runs` job runs in total (a
    generous deadline: the jobs run in threads, which a loaded machine slows down)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(daemon.runs.values()) >= runs and not daemon.busy_threads():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"jobs did not run: {dict(daemon.runs)}")


def test_a_machine_waking_from_suspend_runs_each_missed_job_once(
    oo_home: Path, quiet_config: None, utc: None
) -> None:
    clock = FakeClock(START)

    async def scenario() -> None:
        daemon = Daemon(clock=clock, notifier=RecordingNotifier())  # type: ignore[arg-type]
        daemon.start()
        try:
            await _settle(daemon, len(EVERY))
            assert set(daemon.runs) == set(EVERY)
            assert all(n == 1 for n in daemon.runs.values())
            clock.now = START + timedelta(hours=9)  # asleep 9 h: 108 sync periods missed
            daemon.scheduler.wakeup()
            await _settle(daemon, len(EVERY) + 5)
            await asyncio.sleep(0.05)
            # sync, deliver, settle, refresh and generate were due; each ran once, no stampede.
            assert daemon.runs["sync"] == 2
            assert daemon.runs["deliver"] == 2
            assert daemon.runs["settle"] == 2
            assert daemon.runs["refresh"] == 2
            assert daemon.runs["generate"] == 2  # 6-hourly: one period missed too
            assert daemon.runs["maintain"] == 1  # daily: not due yet
            nxt = {j.id: j.next_run_time for j in daemon.scheduler.get_jobs()}
            assert all(t > clock.now for t in nxt.values())
        finally:
            await daemon.stop()

    asyncio.run(scenario())


def test_a_second_daemon_for_the_same_data_directory_refuses(
    oo_home: Path, quiet_config: None
) -> None:
    async def scenario() -> None:
        first = Daemon(clock=FakeClock(START), notifier=RecordingNotifier())  # type: ignore[arg-type]
        first.start()
        try:
            second = Daemon(clock=FakeClock(START), notifier=RecordingNotifier())  # type: ignore[arg-type]
            with pytest.raises(OOError, match="already running"):
                second.start()
        finally:
            await first.stop()
        third = Daemon(clock=FakeClock(START), notifier=RecordingNotifier())  # type: ignore[arg-type]
        third.start()  # the lock is free again after a clean stop
        await third.stop()

    asyncio.run(scenario())


def test_jobs_for_parts_not_installed_do_nothing_and_say_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="oo.daemon")
    jobs._missing_logged.clear()
    for _ in range(3):
        assert jobs.optional_module("oo.plugins_not_here") is None
        assert jobs.module_exists("oo.plugins_not_here.generate") is False
    notes = [r.getMessage() for r in caplog.records if "not installed yet" in r.getMessage()]
    assert len(notes) == 2


def test_a_source_that_needs_reconnecting_is_not_retried(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO sources (name, connected_at, freshness_target_s, last_error)"
        " VALUES ('todoist', ?, 900, 'reconnect needed: the token was revoked')",
        (iso(START),),
    )
    assert jobs.due_sources(conn, START, jobs.Backoff(), random.Random(1)) == []


def test_sources_are_pulled_on_their_freshness_target_with_backoff(
    conn: sqlite3.Connection, real_keyring: None, todoist_server: TodoistServer, tmp_path: Path
) -> None:
    # Real pulls: Todoist from the loopback server with its token in the real keyring, and a
    # calendar from an .ics file that goes missing (so its pulls fail) and comes back.
    todoist_server.state.tasks = [task(0)]
    earlier = START - timedelta(hours=1)
    token = {**todoist_server.state.issue(), "kind": "oauth", "expires_at": time.time() + 3600}
    connect(conn, "todoist", "person@example.com", token, method="oauth", now=earlier)
    ics = tmp_path / "week.ics"
    shutil.copy(FIXTURES / "week.ics", ics)
    connect(conn, "calendar", ics.name, {"path": str(ics)}, method="file", now=earlier)
    ics.unlink()
    with conn:  # both due now, on the same 15-minute target
        conn.execute("UPDATE sources SET freshness_target_s = 900, last_success = NULL")
    seen = {e.id for e in events.read(conn, type="source_synced")}

    def pulls() -> list[tuple[str, bool]]:
        """The pulls made since the last call, as (source, succeeded)."""
        new = [e for e in events.read(conn, type="source_synced") if e.id not in seen]
        seen.update(e.id for e in new)
        return sorted((e.source, e.event.source_synced.ok) for e in new)

    backoff, rng = jobs.Backoff(), random.Random(7)
    assert jobs.sync_due(conn, START, backoff, rng) == ["todoist"]
    assert pulls() == [("calendar", False), ("todoist", True)]
    # 5 minutes later: todoist is fresh, calendar waits out its first backoff (1 min) no more.
    jobs.sync_due(conn, START + timedelta(minutes=5), backoff, rng)
    assert pulls() == [("calendar", False)]
    # Failures double the wait: after the 2nd failure the next try is 2 min later, not 1.
    jobs.sync_due(conn, START + timedelta(minutes=6), backoff, rng)
    assert pulls() == []
    # 17 minutes on, todoist (target 15 min, jitter under 10 %) is due again, and the
    # calendar file is back.
    shutil.copy(FIXTURES / "week.ics", ics)
    assert jobs.sync_due(conn, START + timedelta(minutes=17), backoff, rng) == [
        "calendar",
        "todoist",
    ]
    assert pulls() == [("calendar", True), ("todoist", True)]
    assert [m for m, p in todoist_server.state.requests if p == "/api/v1/tasks"]


def test_a_simulated_fortnight_never_exceeds_the_budget_or_breaks_quiet_hours(
    conn: sqlite3.Connection, utc: None
) -> None:
    """Every 5 minutes for 14 days, as the deliver job runs; half the tips get a Done."""
    from oo.engine import recommender

    settings = timing.NotifySettings()
    rng, answers = random.Random(3), random.Random(4)
    now = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
    sent: list[datetime] = []
    while now < datetime(2025, 3, 17, tzinfo=UTC):
        recommender.recommend(conn, now)  # what `python -m oo.daemon.child recommend` does
        to_send = jobs.decide(conn, now, settings, rng)
        if to_send is not None:
            jobs.sent(conn, to_send.delivery_id, shown=True, now=now)
            sent.append(now)
            if answers.random() < 0.5:
                recommender.react(conn, to_send.tip_id, "done", now=now)
        recommender.recommend(conn, now)
        jobs.settle(conn, now)
        now += timedelta(minutes=5)

    per_day: dict[object, int] = {}
    for moment in sent:
        per_day[moment.date()] = per_day.get(moment.date(), 0) + 1
        assert not timing.in_quiet_hours(moment, settings)
    assert max(per_day.values()) <= settings.daily_budget
    assert sum(per_day.values()) >= 14  # it does speak: about 2-3 a day
    gaps = [b - a for a, b in itertools.pairwise(sent) if a.date() == b.date()]
    assert all(g >= settings.min_gap for g in gaps)
    rows = conn.execute("SELECT send, probability, reason FROM deliveries").fetchall()
    randomized = [r for r in rows if r["reason"] in ("paced", "later-due")]
    assert randomized and all(0.1 <= r["probability"] <= 0.8 for r in randomized)
    assert {r["send"] for r in randomized} == {0, 1}
    logged = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'notification_decided'")
    assert logged.fetchone()[0] == len(rows)
