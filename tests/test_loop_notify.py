"""Notification buttons (dunst, through the real daemon) react as the command line does:
Done on a habit nudge checks the habit in; Later brings the same tip back at its time."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_oo
from tests.daemon_support import wait_for
from tests.test_daemon_desktop import (
    NOW,
    Desktop,
    RunningDaemon,
    desktop,  # noqa: F401 - a fixture
    start_daemon,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.desktop
ENV = {"OO_NOW": NOW, "TZ": "UTC"}


def _db(home: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(home / "oo.db")
    conn.row_factory = sqlite3.Row
    return conn


def _current(env: dict[str, str] = ENV) -> dict[str, object]:
    out = run_oo("tip", "--json", env=env)
    assert out.returncode == 0, out.stderr
    tip: dict[str, object] = json.loads(out.stdout)
    return tip


def _surfaces(request: pytest.FixtureRequest) -> tuple[Desktop, Callable[..., RunningDaemon]]:
    """The desktop (Xvfb + dunst) and the daemon starter of tests/test_daemon_desktop.py."""
    return request.getfixturevalue("desktop"), request.getfixturevalue("start_daemon")


def test_done_on_a_notified_nudge_checks_the_habit_in(
    oo_home: Path, request: pytest.FixtureRequest
) -> None:
    screen, launch = _surfaces(request)
    assert run_oo("habit", "add", "stretch", env=ENV).returncode == 0
    for _ in range(20):
        if _current()["category"] == "habit":
            break
        assert run_oo("dismiss", env=ENV).returncode == 0
    nudge = _current()
    assert nudge["category"] == "habit"
    screen.close_all()
    daemon = launch()
    daemon.started()
    wait_for(lambda: screen.displayed() >= 1, what="the notification to show")
    screen.press("Done")
    with _db(oo_home) as conn:
        wait_for(
            lambda: conn.execute("SELECT COUNT(*) FROM habit_checkins").fetchone()[0] == 1,
            what="the check-in from the Done button",
        )
        assert (
            conn.execute("SELECT status FROM tips WHERE id = ?", (nudge["id"],)).fetchone()[0]
            == "done"
        )
    daemon.stop()
    screen.close_all()
    listed = json.loads(run_oo("habit", "list", "--json", env=ENV).stdout)
    assert listed[0]["done_today"] is True


def test_later_on_a_notification_brings_the_same_tip_back_in_an_hour(
    oo_home: Path, request: pytest.FixtureRequest
) -> None:
    screen, launch = _surfaces(request)
    first = _current()
    screen.close_all()
    daemon = launch()
    daemon.started()
    wait_for(lambda: screen.displayed() >= 1, what="the notification to show")
    screen.press("Later")
    with _db(oo_home) as conn:
        wait_for(
            lambda: conn.execute("SELECT 1 FROM tips WHERE status = 'later'").fetchone(),
            what="the later reaction",
        )
    daemon.stop()
    screen.close_all()
    before = {**ENV, "OO_NOW": "2025-03-05T12:59:00+00:00"}
    assert _current(before)["text"] != first["text"]
    back = {**ENV, "OO_NOW": "2025-03-05T13:00:00+00:00"}
    assert _current(back)["text"] == first["text"]
