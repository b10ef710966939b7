"""Shared fixtures: a private data directory, the `oo` command in a subprocess, and a guard
that fails any test that tries to reach the internet."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from oo.engine import catchup

# Fixtures for real keyrings, loopback providers and daemons, shared by every test module.
pytest_plugins = ("tests.connectors_support", "tests.daemon_support")

OO = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"


def _loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # Unix sockets (D-Bus, X11) stay on this machine


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(address: object) -> None:
        if not _loopback(address):
            pytest.fail(f"test tried to reach the internet: {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        guard(address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        guard(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def oo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, private data directory for this test (OO_HOME), not yet created."""
    home = tmp_path / "oo-home"
    monkeypatch.setenv("OO_HOME", str(home))
    monkeypatch.delenv("OO_NOW", raising=False)
    monkeypatch.delenv("OO_DEBUG", raising=False)
    return home


@pytest.fixture
def conn(oo_home: Path) -> Iterator[object]:
    from oo.store.db import open_store

    connection = open_store()
    yield connection
    connection.close()


# `python -c pass` on an idle machine takes about 12 ms; 50 ms is a generous idle bound.
IDLE_PYTHON_START_S = 0.05


def slowdown() -> float:
    """How many times slower this machine starts a process right now than an idle one does
    (at least 1). A deadline that exists to catch a hang or a wait in the code, not to
    measure speed, is scaled by it, so it means the same on a loaded machine as on an idle
    one; speed itself is measured in benchmarks/."""
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples.append(time.perf_counter() - start)
    return max(1.0, sorted(samples)[1] / IDLE_PYTHON_START_S)


def run_oo(
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed `oo` command the way a person does; stdin is not a terminal."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(
        [OO, *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    settle(full_env)
    return result


def settle(env: Mapping[str, str] | None = None) -> None:
    """Wait for what a command left running in the background (after `oo done`: learning
    and the next standby, oo.engine.catchup), so the next step sees a settled store."""
    home = (env or os.environ).get("OO_HOME")
    if home:
        assert catchup.wait(120, home=Path(home)), "the background catch-up did not finish"


RunOo = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def oo(oo_home: Path) -> RunOo:
    """`oo(*args)` runs the command against this test's data directory."""
    return run_oo
