"""Fixtures shared by the connector tests (imported by tests/test_connectors_*.py)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyrings import MemoryKeyring
from tests.servers.todoist import TodoistServer

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so "today" does not depend on the machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    old = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(old)


@pytest.fixture
def todoist_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[TodoistServer]:
    with TodoistServer() as server:
        for key, value in server.env().items():
            monkeypatch.setenv(key, value)
        yield server


@pytest.fixture
def real_keyring() -> Iterator[None]:
    """The real Secret Service keyring (scripts/test starts gnome-keyring on a private bus),
    holding no oO secret when the test starts, and none left behind when it ends."""
    if os.environ.get("PYTHON_KEYRING_BACKEND") != SECRET_SERVICE or not os.environ.get(
        "DBUS_SESSION_BUS_ADDRESS"
    ):
        pytest.skip("needs the Secret Service keyring: run the tests with scripts/test")
    wipe_oo_secrets()
    yield
    wipe_oo_secrets()


def wipe_oo_secrets() -> None:
    """Delete every secret stored under oO's keyring service from the test session's keyring."""
    from contextlib import closing

    import secretstorage

    from oo.secrets import SERVICE

    with closing(secretstorage.dbus_init()) as bus:
        collection = secretstorage.get_default_collection(bus)
        if collection.is_locked():
            collection.unlock()
        for item in collection.search_items({"service": SERVICE}):
            item.delete()


def browser_env(mode: str = "") -> dict[str, str]:
    """BROWSER for the `oo` subprocess: a script that follows the authorization URL."""
    script = Path(__file__).parent / "servers" / "browser.py"
    return {"BROWSER": f"{sys.executable} {script} %s", "OO_TEST_BROWSER": mode}


def connect(conn: object, name: str, *args: object, **kwargs: object) -> None:
    """Connect a source as a person does: after agreeing to its consent text."""
    from oo.connectors import sync
    from oo.privacy import consent

    consent.record(conn, name, given=True, now=kwargs["now"])  # type: ignore[arg-type]
    sync.connect(conn, name, *args, **kwargs)  # type: ignore[arg-type]
