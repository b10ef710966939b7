"""The real Secret Service keyring with two data directories: each holds only its own
entries, `oo forget` revokes and removes every credential it put there (and says so), and
entries from before install ids are adopted by the directory that uses them."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_oo
from tests.connectors_support import (  # noqa: F401
    FIXTURES,
    browser_env,
    real_keyring,
    todoist_server,
)
from tests.servers.todoist import TodoistServer, task

pytestmark = pytest.mark.desktop

ENV = {"OO_NOW": "2025-03-10T09:05:00+00:00", "TZ": "UTC"}


def _install(home: Path) -> str:
    with sqlite3.connect(home / "oo.db") as db:
        return str(db.execute("SELECT id FROM install").fetchone()[0])


def _entries() -> str:
    """What the keyring holds under service `oo`, as secret-tool lists it."""
    found = subprocess.run(
        ["secret-tool", "search", "--all", "service", "oo"],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    return found.stdout + found.stderr


def _oo(
    home: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return run_oo(*args, env={**ENV, "OO_HOME": str(home), **(env or {})}, input=input)


def test_two_data_directories_never_touch_each_others_secrets(
    tmp_path: Path, real_keyring: None
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    week = str(FIXTURES / "week.ics")
    for home in (one, two):  # the same file: the same source and account in both
        result = _oo(home, "connect", "calendar", "--yes", week)
        assert result.returncode == 0, result.stderr
    assert _install(one) != _install(two)
    assert f"{_install(one)}/calendar:week.ics" in _entries()
    gone = _oo(one, "disconnect", "calendar")
    assert gone.returncode == 0, gone.stderr
    listed = _entries()
    assert f"{_install(one)}/calendar:week.ics" not in listed
    assert f"{_install(two)}/calendar:week.ics" in listed
    synced = _oo(two, "sync")
    assert synced.returncode == 0, synced.stderr  # the other directory still reads its own
    assert _oo(two, "disconnect", "calendar").returncode == 0


def test_an_entry_from_before_install_ids_is_adopted_by_its_directory(
    tmp_path: Path, real_keyring: None
) -> None:
    import keyring

    home = tmp_path / "home"
    assert _oo(home, "connect", "calendar", "--yes", str(FIXTURES / "week.ics")).returncode == 0
    install = _install(home)
    # Make the entry look as an older oO wrote it: no install id in its name.
    value = keyring.get_password("oo", f"{install}/calendar:week.ics")
    assert value is not None
    keyring.delete_password("oo", f"{install}/calendar:week.ics")
    keyring.set_password("oo", "calendar:week.ics", value)
    synced = _oo(home, "sync")
    assert synced.returncode == 0, synced.stderr
    assert keyring.get_password("oo", "calendar:week.ics") is None  # moved
    assert keyring.get_password("oo", f"{install}/calendar:week.ics") == value
    assert _oo(home, "disconnect", "calendar").returncode == 0
    assert f"{install}/" not in _entries()


def test_forget_revokes_and_removes_every_credential_and_says_so(
    tmp_path: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    todoist_server.state.tasks = [task(i) for i in range(5)]
    home, other = tmp_path / "home", tmp_path / "other"
    env = {**todoist_server.env(), **browser_env()}
    assert _oo(other, "connect", "calendar", "--yes", str(FIXTURES / "week.ics")).returncode == 0
    result = _oo(home, "connect", "todoist", "--yes", "--timeout", "20", env=env)
    assert result.returncode == 0, result.stderr
    assert _oo(home, "connect", "calendar", "--yes", str(FIXTURES / "week.ics")).returncode == 0
    key = _oo(home, "llm", "key", "set", "openai", input="sk-CANARY-LLM-KEY\n")
    assert key.returncode == 0, key.stderr
    install = _install(home)
    assert _entries().count(f"{install}/") >= 3
    tokens = set(todoist_server.state.access)

    forget = _oo(home, "forget", "--yes", env=env)

    assert forget.returncode == 0, forget.stderr
    assert "Revoked the todoist credential at the provider." in forget.stdout
    assert (
        "Removed 3 credentials from the OS keyring: calendar:week.ics, llm:openai,"
        " todoist:person@example.com." in forget.stdout
    )
    assert "oO now holds nothing about you." in forget.stdout
    assert set(todoist_server.state.revoked) & tokens  # the grant is gone at Todoist too
    listed = _entries()
    assert f"{install}/" not in listed and "sk-CANARY-LLM-KEY" not in listed
    assert f"{_install(other)}/calendar:week.ics" in listed  # the other directory keeps its own
    assert _oo(other, "sync").returncode == 0
    assert _oo(other, "disconnect", "calendar").returncode == 0


def test_forget_source_removes_that_sources_credential_only(
    tmp_path: Path, real_keyring: None
) -> None:
    home = tmp_path / "home"
    assert _oo(home, "connect", "calendar", "--yes", str(FIXTURES / "week.ics")).returncode == 0
    key = _oo(home, "llm", "key", "set", "openai", input="sk-CANARY-LLM-KEY\n")
    assert key.returncode == 0, key.stderr
    forget = _oo(home, "forget", "--source", "calendar", "--yes")
    assert forget.returncode == 0, forget.stderr
    assert "removed from the keyring" in forget.stdout
    listed = _entries()
    install = _install(home)
    assert f"{install}/calendar:week.ics" not in listed
    assert f"{install}/llm:openai" in listed
    assert _oo(home, "llm", "key", "rm", "openai").returncode == 0
    assert f"{install}/" not in _entries()
