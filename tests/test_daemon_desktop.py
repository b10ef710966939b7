"""The real daemon (`oo daemon run` in a subprocess) against a real notification server:
dunst under Xvfb on a private D-Bus session bus. Buttons are pressed through dunst."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from oo.heavy import RESIDENT_DAEMON, heavy_loaded
from tests.conftest import OO, run_oo, slowdown
from tests.daemon_support import seed_that_sends, wait_for

pytestmark = pytest.mark.desktop

NOW = "2025-03-05T12:00:00+00:00"  # a Wednesday noon: decision point #1 has come
# Tips are chosen (numpy, the learning policy), candidates refreshed (scikit-learn) and LLM
# tips generated (litellm) in children only; migrations (sqlite-utils) in a short child;
# typer (and its pydantic) is skipped by `oo daemon run`; with no source connected nothing
# loads the connectors' keyring and OAuth libraries. (Its RSS is benchmarked.)


class Desktop:
    """Xvfb + dunst on a private session bus; `press(label)` picks a button via dunst."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []
        self.choice = tmp / "choice"
        self.env: dict[str, str] = {}

    def start(self) -> None:
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
        )
        self.procs.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        bus.stdout.close()
        display = 100 + os.getpid() % 400
        while Path(f"/tmp/.X11-unix/X{display}").exists():
            display += 1
        xvfb = subprocess.Popen(
            ["Xvfb", f":{display}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(xvfb)
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), what="Xvfb")
        self.env = {"DBUS_SESSION_BUS_ADDRESS": address, "DISPLAY": f":{display}"}
        menu = self.tmp / "menu.sh"
        menu.write_text(f'#!/bin/sh\ngrep -m1 "^#$(cat {self.choice}) (oO)"\n')
        menu.chmod(0o755)
        rc = self.tmp / "dunstrc"
        rc.write_text(f"[global]\n    dmenu = {menu}\n    sticky_history = yes\n")
        dunst = subprocess.Popen(
            ["dunst", "-conf", str(rc)],
            env={**os.environ, **self.env},
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(dunst)
        wait_for(self.server_ready, what="org.freedesktop.Notifications to have an owner")

    def run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )

    def server_ready(self) -> bool:
        out = self.run(
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.Notifications",
        )
        return "boolean true" in out.stdout

    def displayed(self) -> int:
        out = self.run("dunstctl", "count", "displayed")
        return int(out.stdout.strip() or 0)

    def history_texts(self) -> list[str]:
        data = json.loads(self.run("dunstctl", "history").stdout)
        return [n["body"]["data"] for n in data["data"][0]]

    def press(self, label: str) -> None:
        self.choice.write_text(label)
        assert self.run("dunstctl", "context").returncode == 0

    def close_all(self) -> None:
        self.run("dunstctl", "close-all")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    missing = [c for c in ("dbus-daemon", "Xvfb", "dunst", "dunstctl") if not shutil.which(c)]
    if missing:
        print(f"skipping: {', '.join(missing)} not installed (apt-get install dbus xvfb dunst)")
        pytest.skip(f"needs {', '.join(missing)} (apt-get install dbus xvfb dunst)")
    d = Desktop(tmp_path_factory.mktemp("desktop"))
    d.start()
    yield d
    d.stop()


class RunningDaemon:
    def __init__(self, proc: subprocess.Popen[bytes], home: Path, log: Path) -> None:
        self.proc = proc
        self.home = home
        self.log = log

    def stderr(self) -> str:
        return self.log.read_text()

    def status(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.home / "daemon.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data

    def started(self) -> dict[str, Any]:
        info: dict[str, Any] = wait_for(
            lambda: (
                self.status()
                if self.status().get("pid") == self.proc.pid
                and self.status().get("runs", {}).get("deliver")
                else None
            ),
            what="the daemon's first deliver run",
        )
        return info

    def stop(self) -> tuple[int, float]:
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        return code, time.monotonic() - began


@pytest.fixture
def start_daemon(
    oo_home: Path, tmp_path: Path, desktop: Desktop
) -> Iterator[Callable[..., RunningDaemon]]:
    started: list[RunningDaemon] = []

    def start(**extra: str) -> RunningDaemon:
        env = {
            **os.environ,
            **desktop.env,
            "OO_NOW": NOW,
            "TZ": "UTC",
            "OO_DAEMON_SEED": str(seed_that_sends()),
            "OO_DEBUG": "1",
            **extra,
        }
        log = tmp_path / f"daemon-{len(started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [OO, "daemon", "run"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        daemon = RunningDaemon(proc, oo_home, log)
        started.append(daemon)
        return daemon

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


def _db(home: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(home / "oo.db")
    conn.row_factory = sqlite3.Row
    return conn


def _a_due_tip(oo_home: Path) -> str:
    """Choose a tip as `oo tip` would, at the test's moment; returns its text."""
    out = run_oo("tip", "--json", env={"OO_NOW": NOW, "TZ": "UTC"})
    assert out.returncode == 0, out.stderr
    return str(json.loads(out.stdout)["text"])


def test_a_due_tip_is_notified_and_done_is_recorded(
    oo_home: Path, desktop: Desktop, start_daemon: Callable[..., RunningDaemon]
) -> None:
    text = _a_due_tip(oo_home)
    desktop.close_all()
    daemon = start_daemon()
    daemon.started()
    wait_for(lambda: desktop.displayed() >= 1, what="the notification to show")

    desktop.press("Done")
    with _db(oo_home) as conn:
        row = wait_for(
            lambda: conn.execute("SELECT text, status FROM tips WHERE status = 'done'").fetchone(),
            what="the done reaction in the database",
        )
        wait_for(
            lambda: conn.execute("SELECT 1 FROM deliveries WHERE outcome = 'done'").fetchone(),
            what="the notification's outcome",
        )
    assert row["text"] == text
    desktop.close_all()
    assert text in desktop.history_texts()
    assert text not in daemon.stderr()  # the log says which tip by id, never its text

    limit = 1.0 * slowdown()  # 1 s on an idle machine, scaled by the machine's load now
    code, took = daemon.stop()
    assert code == 0
    assert took < limit, f"SIGTERM took {took:.2f} s (limit {limit:.2f} s)"
    status = run_oo("daemon", "status", "--json")
    info = json.loads(status.stdout)
    assert info["running"] is False
    assert info["last_notification"]["outcome"] == "done"
    assert info["notifications"]["available"] is True


def test_later_button_puts_the_tip_off_an_hour(
    oo_home: Path, desktop: Desktop, start_daemon: Callable[..., RunningDaemon]
) -> None:
    text = _a_due_tip(oo_home)
    desktop.close_all()
    daemon = start_daemon()
    daemon.started()
    wait_for(lambda: desktop.displayed() >= 1, what="the notification to show")
    desktop.press("Later")
    with _db(oo_home) as conn:
        row = wait_for(
            lambda: conn.execute(
                "SELECT text, later_until FROM tips WHERE status = 'later'"
            ).fetchone(),
            what="the later reaction",
        )
    assert row["text"] == text
    assert row["later_until"].startswith("2025-03-05T13:00:00")
    daemon.stop()
    desktop.close_all()


def test_one_daemon_per_data_directory_and_a_resident_without_heavy_modules(
    oo_home: Path, desktop: Desktop, start_daemon: Callable[..., RunningDaemon]
) -> None:
    first = start_daemon(OO_DAEMON_SEED="1")
    info = first.started()
    loaded = set(info["modules"])
    assert heavy_loaded(loaded, allowed=RESIDENT_DAEMON) == set()
    with _db(oo_home) as conn:  # it did choose a tip, with the policy, in a child
        assert conn.execute("SELECT COUNT(*) FROM tips WHERE status = 'current'").fetchone()[0]
    assert "apscheduler" in loaded

    second = start_daemon(OO_DEBUG="")
    code = second.proc.wait(timeout=15)
    assert code != 0
    err = second.stderr()
    assert "already running" in err
    assert "Traceback" not in err

    status = run_oo("daemon", "status")
    assert f"running (pid {first.proc.pid}" in status.stdout
    assert "Next:" in status.stdout
    first.stop()
    desktop.close_all()


def test_kill_9_leaves_the_store_intact_and_nothing_is_sent_twice(
    oo_home: Path, desktop: Desktop, start_daemon: Callable[..., RunningDaemon]
) -> None:
    _a_due_tip(oo_home)
    desktop.close_all()
    daemon = start_daemon()
    with _db(oo_home) as conn:
        wait_for(
            lambda: conn.execute(
                "SELECT 1 FROM events WHERE type = 'notification_sent'"
            ).fetchone(),
            what="a notification to be sent",
        )
    daemon.proc.kill()
    daemon.proc.wait()

    again = start_daemon()
    again.started()
    code, _ = again.stop()
    assert code == 0
    with _db(oo_home) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        sent = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'notification_sent'")
        assert sent.fetchone()[0] == 1
        points = conn.execute(
            "SELECT decision_point, COUNT(*) AS n FROM deliveries GROUP BY decision_point"
        ).fetchall()
        assert all(p["n"] == 1 for p in points)
    desktop.close_all()


def test_without_a_notification_server_the_tip_stays_and_status_says_so(
    oo_home: Path, tmp_path: Path, desktop: Desktop, start_daemon: Callable[..., RunningDaemon]
) -> None:
    text = _a_due_tip(oo_home)
    nobody = f"unix:path={tmp_path / 'no-bus'}"
    daemon = start_daemon(DBUS_SESSION_BUS_ADDRESS=nobody)
    info = wait_for(
        lambda: (
            daemon.status().get("notifications", {}).get("available") is False and daemon.status()
        ),
        what="notifications to be marked unavailable",
    )
    assert info["notifications"]["available"] is False
    status = run_oo("status")
    assert "notifications are unavailable" in status.stdout
    tip = run_oo("tip", env={"OO_NOW": NOW, "TZ": "UTC"})
    assert tip.stdout.strip() == text
    code, _ = daemon.stop()
    assert code == 0


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="dunst runs on Linux only")
