"""A notification server that owns org.freedesktop.Notifications but never answers Notify
(tests/servers/notifications.py, on the session bus scripts/test starts): the real daemon's
notification gives up after its timeout instead of stalling ~30 s, the tip stays in `oo tip`,
and `oo status` / `oo daemon status` say notifications are failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oo.daemon.notify import SEND_TIMEOUT_S
from tests.conftest import run_oo
from tests.daemon_support import Daemons, db, seed_that_sends, wait_for

pytestmark = pytest.mark.desktop

NOW = "2025-03-05T12:00:00+00:00"  # a Wednesday noon: decision point #1 has come
SERVER = Path(__file__).parent / "servers" / "notifications.py"


class HungServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.strip()))

    def said(self, word: str) -> float | None:
        return next((at for at, line in self.lines if line == word), None)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def hung_server() -> Iterator[HungServer]:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.environ.get("OO_TEST_SESSION") != "1":
        print("skipping: needs the private session bus of scripts/test")
        pytest.skip("needs the private session bus: run the tests with scripts/test")
    server = HungServer()
    try:
        wait_for(
            lambda: server.said("ready") or server.proc.poll() is not None,
            what="the hung server to own org.freedesktop.Notifications",
        )
        if server.said("ready") is None:
            assert server.proc.stderr is not None
            pytest.fail(f"the hung notification server did not start: {server.proc.stderr.read()}")
        yield server
    finally:
        server.stop()


def test_a_hung_notification_server_costs_the_timeout_not_a_stall(
    oo_home: Path, hung_server: HungServer, daemons: Daemons
) -> None:
    tip = run_oo("tip", "--json", env={"OO_NOW": NOW, "TZ": "UTC"})
    assert tip.returncode == 0, tip.stderr
    text = json.loads(tip.stdout)["text"]

    daemon = daemons.start(OO_NOW=NOW, OO_DAEMON_SEED=str(seed_that_sends()))
    asked = wait_for(lambda: hung_server.said("notify"), what="the daemon's Notify call")
    info = wait_for(
        lambda: (
            daemons.status().get("notifications", {}).get("available") is False and daemons.status()
        ),
        timeout=SEND_TIMEOUT_S + 10,
        what="the daemon to give up on the hung server",
    )
    gave_up = time.monotonic() - asked
    # Bounded by the notifier's own timeout; unbounded, the call waits forever (dbus-fast
    # sets no reply timeout: measured 45 s of 45 s against this server).
    assert gave_up < SEND_TIMEOUT_S + 3, f"the notification call took {gave_up:.1f} s"
    assert "did not answer" in info["notifications"]["detail"]
    assert daemon.poll() is None, daemons.log()

    # The tip is still there for the person, and both status commands say why no pop-up.
    again = run_oo("tip", env={"OO_NOW": NOW, "TZ": "UTC"})
    assert again.stdout.strip() == text
    status = run_oo("status", env={"OO_NOW": NOW})
    assert "notifications are unavailable (the notification server did not answer" in (
        status.stdout
    )
    daemon_status = json.loads(run_oo("daemon", "status", "--json").stdout)
    assert daemon_status["running"] is True
    assert daemon_status["notifications"]["available"] is False
    assert daemon_status["last_notification"]["shown"] is False
    with db(oo_home) as conn:
        sent = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'notification_sent'")
        assert sent.fetchone()[0] == 1

    daemon.terminate()
    assert daemon.wait(timeout=10) == 0
    assert "Traceback" not in daemons.log()


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="the D-Bus notification server is a Linux part")
