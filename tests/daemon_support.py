"""Starting the real daemon (`oo daemon run`) in a subprocess for tests, and bounded waits.

Each daemon runs in its own process group, so `kill_all` also ends any child it started
(a candidate refresh, the generator) even after the daemon itself was killed with -9.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OO


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what or check}")


def db(home: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(home / "oo.db", timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


class Daemons:
    """`start(**env)` runs `oo daemon run`; `kill_all()` ends every daemon and its children."""

    def __init__(self, home: Path, logs: Path) -> None:
        self.home = home
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "TZ": "UTC", **extra}
        log = self.logs / f"daemon-{len(self.procs)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [OO, "daemon", "run"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def log(self, index: int = -1) -> str:
        return (self.logs / f"daemon-{index % len(self.procs)}.log").read_text()

    def status(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((self.home / "daemon.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return data

    def ran(self, proc: subprocess.Popen[bytes], job: str) -> bool:
        info = self.status()
        return info.get("pid") == proc.pid and bool(info.get("runs", {}).get(job))

    def kill_all(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def daemons(oo_home: Path, tmp_path: Path) -> Iterator[Daemons]:
    """Daemons started by a test, all killed when it ends (a plugin of conftest.py)."""
    d = Daemons(oo_home, tmp_path)
    try:
        yield d
    finally:
        d.kill_all()


def seed_that_sends() -> int:
    """A seed whose first draw is below the lowest send probability (0.1)."""
    return next(s for s in range(1000) if random.Random(s).random() < 0.05)
