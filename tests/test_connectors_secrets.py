"""The token vault: OS keyring only, long values split, every failure one clear sentence."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from oo import secrets
from tests.conftest import RunOo
from tests.connectors_support import memory_keyring, real_keyring  # noqa: F401
from tests.keyrings import FailingKeyring, LockedKeyring, MemoryKeyring

INSTALL = "0123456789abcdef0123456789abcdef"


def test_round_trip_and_delete(memory_keyring: MemoryKeyring) -> None:
    secrets.save("todoist", "me@example.com", {"access_token": "abc"}, install=INSTALL)
    assert memory_keyring.store[("oo", f"{INSTALL}/todoist:me@example.com")]
    assert secrets.load("todoist", "me@example.com", install=INSTALL) == {"access_token": "abc"}
    assert secrets.held(INSTALL) == ["todoist:me@example.com"]
    assert secrets.delete("todoist", "me@example.com", install=INSTALL) is True
    assert secrets.load("todoist", "me@example.com", install=INSTALL) is None
    assert secrets.delete("todoist", "me@example.com", install=INSTALL) is False
    assert memory_keyring.store == {}  # the index goes with the last entry


def test_a_value_over_windows_limit_is_split_and_put_back(memory_keyring: MemoryKeyring) -> None:
    big = {"access_token": "a" * 3000, "refresh_token": "r" * 2500}
    # the memory backend refuses > 2,560 bytes an entry
    secrets.save("todoist", "acct", big, install=INSTALL)
    user = f"{INSTALL}/todoist:acct"
    assert len([k for k in memory_keyring.store if k[1].startswith(user)]) > 3
    assert secrets.load("todoist", "acct", install=INSTALL) == big
    secrets.save("todoist", "acct", {"access_token": "short"}, install=INSTALL)
    assert sorted(memory_keyring.store) == [("oo", f"{INSTALL}/index"), ("oo", user)]
    assert secrets.load("todoist", "acct", install=INSTALL) == {"access_token": "short"}


def test_two_installs_never_touch_each_others_entries(memory_keyring: MemoryKeyring) -> None:
    other = "f" * 32
    secrets.save("calendar", "week.ics", {"path": "/a/week.ics"}, install=INSTALL)
    secrets.save("calendar", "week.ics", {"path": "/b/week.ics"}, install=other)
    assert secrets.delete("calendar", "week.ics", install=INSTALL)
    assert secrets.load("calendar", "week.ics", install=other) == {"path": "/b/week.ics"}
    secrets.save_text("llm", "openai", "sk-one", install=INSTALL)
    assert secrets.delete_all(INSTALL) == ["llm:openai"]
    assert secrets.held(other) == ["calendar:week.ics"]
    assert [k for _, k in memory_keyring.store if k.startswith(INSTALL)] == []


def test_an_entry_from_before_install_ids_is_adopted_once(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[("oo", "todoist:me@example.com")] = '{"access_token":"old"}'
    assert secrets.load("todoist", "me@example.com", install=INSTALL) == {"access_token": "old"}
    assert ("oo", "todoist:me@example.com") not in memory_keyring.store  # moved, not copied
    assert secrets.held(INSTALL) == ["todoist:me@example.com"]
    assert secrets.load("todoist", "me@example.com", install="e" * 32) is None


@pytest.mark.parametrize(
    ("ring", "words"),
    [
        (LockedKeyring(), "locked"),
        (FailingKeyring(), "failed"),
    ],
)
def test_failures_are_one_sentence_with_choices(ring: object, words: str) -> None:
    import keyring

    old = keyring.get_keyring()
    keyring.set_keyring(ring)  # type: ignore[arg-type]
    try:
        with pytest.raises(secrets.KeyringUnavailable) as info:
            secrets.save("todoist", "acct", {"access_token": "CANARY-TOKEN"}, install=INSTALL)
    finally:
        keyring.set_keyring(old)
    message = str(info.value)
    assert words in message and "nothing was saved" in message
    assert "\n" not in message and "CANARY-TOKEN" not in message


def test_no_keyring_and_plaintext_keyrings_are_refused() -> None:
    import keyring
    from keyring.backends import fail, null

    old = keyring.get_keyring()
    try:
        for ring in (fail.Keyring(), null.Keyring()):
            keyring.set_keyring(ring)
            with pytest.raises(secrets.KeyringUnavailable, match="no usable OS keyring"):
                secrets.check()
    finally:
        keyring.set_keyring(old)


def test_no_keyring_in_the_cli_is_one_line(oo: RunOo, tmp_path: Path) -> None:
    ics = tmp_path / "c.ics"
    ics.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    result = oo(
        "connect",
        "calendar",
        "--yes",
        str(ics),
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("oo: no usable OS keyring")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.desktop
def test_real_secret_service_holds_the_value(real_keyring: None) -> None:
    secrets.save("todoist", "real@example.com", {"access_token": "CANARY-REAL"}, install=INSTALL)
    try:
        found = subprocess.run(
            ["secret-tool", "search", "--all", "service", "oo"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        assert f"{INSTALL}/todoist:real@example.com" in found.stdout + found.stderr
        assert secrets.load("todoist", "real@example.com", install=INSTALL) == {
            "access_token": "CANARY-REAL"
        }
    finally:
        secrets.delete("todoist", "real@example.com", install=INSTALL)
    assert secrets.load("todoist", "real@example.com", install=INSTALL) is None
