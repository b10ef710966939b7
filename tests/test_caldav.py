"""The CalDAV connector against a real Radicale server on loopback, through the commands a
person types and the real keyring: calendars chosen at connect, a recurring series with an
exception expanded like the ICS connector does, a deleted and a changed event picked up
incrementally, wrong credentials refused, and no title or password kept."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OO, run_oo
from tests.connectors_support import real_keyring  # noqa: F401
from tests.servers.radicale import PASSWORD, RadicaleServer

pytestmark = pytest.mark.desktop

NOW = "2025-03-10T09:00:00+00:00"
ENV = {"OO_NOW": NOW, "TZ": "UTC"}

STANDUP = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//oO tests//EN
BEGIN:VEVENT
UID:standup@test
DTSTAMP:20250301T000000Z
DTSTART:20250310T100000Z
DTEND:20250310T103000Z
RRULE:FREQ=DAILY;COUNT=5
SUMMARY:CANARY-EVENT-TITLE standup
END:VEVENT
BEGIN:VEVENT
UID:standup@test
DTSTAMP:20250301T000000Z
RECURRENCE-ID:20250312T100000Z
DTSTART:20250312T140000Z
DTEND:20250312T143000Z
SUMMARY:CANARY-EVENT-TITLE standup moved
END:VEVENT
END:VCALENDAR
"""


def _t(minute: str) -> str:
    """A stored UTC time: `2025-03-12T14:00` -> `2025-03-12T14:00:00.000000Z`."""
    return f"{minute}:00.000000Z"


def _single(uid: str, start: str, end: str, *, transparent: bool = False) -> str:
    transp = "TRANSP:TRANSPARENT\n" if transparent else ""
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//oO tests//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20250301T000000Z\nDTSTART:{start}\nDTEND:{end}\n{transp}"
        "SUMMARY:CANARY-EVENT-TITLE single\nLOCATION:CANARY-PLACE\nEND:VEVENT\nEND:VCALENDAR\n"
    )


LUNCH = _single("lunch@test", "20250311T120000Z", "20250311T130000Z", transparent=True)


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path / "radicale") as server:
        yield server


def _items(home: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(home / "oo.db") as c:
        rows = c.execute(
            "SELECT start, end, busy FROM items WHERE source = 'caldav' ORDER BY start"
        ).fetchall()
    return [(str(s), str(e), int(b)) for s, e, b in rows]


def _cursor(home: Path) -> dict[str, Any]:
    with sqlite3.connect(home / "oo.db") as c:
        (raw,) = c.execute("SELECT cursor FROM sources WHERE name = 'caldav'").fetchone()
    value: dict[str, Any] = json.loads(raw)
    return value


def _keyring() -> str:
    found = subprocess.run(
        ["secret-tool", "search", "--all", "service", "oo"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout + found.stderr


def _connect(server: RadicaleServer, *extra: str, password: str = PASSWORD) -> Any:
    return run_oo(
        "connect", "caldav", server.url(), "--yes", *extra, input=password + "\n", env=ENV
    )


def _owned(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_a_recurring_series_with_an_exception_is_expanded_like_the_ics_connector(
    oo_home: Path,
    real_keyring: None,  # noqa: F811
    radicale: RadicaleServer,
) -> None:
    work = radicale.calendar("Work")
    work.save_event(STANDUP)
    work.save_event(LUNCH)
    radicale.calendar("Home").save_event(
        _single("home@test", "20250311T180000Z", "20250311T190000Z")
    )

    asked = _connect(radicale)
    assert asked.returncode == 1
    assert "2 calendars (" in asked.stderr and "--select NAME" in asked.stderr
    assert "caldav:" not in _keyring()

    result = _connect(radicale, "--select", "Work")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Connected caldav (alice@127.0.0.1): 6 items")
    assert "caldav:alice@127.0.0.1" in _keyring()

    stored = _items(oo_home)
    # Five standups, the third moved to 14:00 by its exception; the lunch is free time;
    # nothing from the Home calendar, which was not chosen.
    assert (_t("2025-03-12T14:00"), _t("2025-03-12T14:30"), 1) in stored
    assert not any(s == _t("2025-03-12T10:00") for s, _, _ in stored)
    assert (_t("2025-03-11T12:00"), _t("2025-03-11T13:00"), 0) in stored
    assert not any(s.startswith("2025-03-11T18") for s, _, _ in stored)

    import icalendar

    from oo.connectors import calendar

    now = datetime(2025, 3, 10, 9, tzinfo=UTC)
    ics = [
        (i.start, i.end, int(i.busy))
        for text in (STANDUP, LUNCH)
        for i in calendar.expand(icalendar.Calendar.from_ical(text), now)
    ]
    assert stored == sorted(ics)  # the same occurrences the ICS connector gives

    owned = _owned(oo_home)
    assert b"CANARY-EVENT-TITLE" not in owned and b"CANARY-PLACE" not in owned
    assert PASSWORD.encode() not in owned
    shown = run_oo("consent", "show", "caldav", env=ENV).stdout
    assert "No titles, places, descriptions or attendees." in shown
    _disconnect()


def _disconnect() -> None:
    gone = run_oo("disconnect", "caldav", env=ENV)
    assert gone.returncode == 0, gone.stderr
    assert "cannot revoke a CalDAV app password" in gone.stderr  # said, and wiped anyway
    assert "caldav:" not in _keyring()


def test_a_changed_and_a_deleted_event_are_picked_up_incrementally(
    oo_home: Path,
    real_keyring: None,  # noqa: F811
    radicale: RadicaleServer,
) -> None:
    work = radicale.calendar("Work")
    work.save_event(STANDUP)
    review = work.save_event(_single("review@test", "20250311T090000Z", "20250311T100000Z"))
    gone = work.save_event(_single("gone@test", "20250313T090000Z", "20250313T100000Z"))
    assert _connect(radicale).returncode == 0  # the only calendar needs no --select
    before = _items(oo_home)
    assert (_t("2025-03-11T09:00"), _t("2025-03-11T10:00"), 1) in before
    assert (_t("2025-03-13T09:00"), _t("2025-03-13T10:00"), 1) in before
    (first,) = _cursor(oo_home)["calendars"].values()
    assert first["mode"] == "full" and first["token"]

    # Another client moves the review to the afternoon and deletes an event.
    review.data = _single("review@test", "20250311T150000Z", "20250311T160000Z")
    review.save()
    gone.delete()

    synced = run_oo("sync", "caldav", "--json", env=ENV)
    assert synced.returncode == 0, synced.stderr
    after = _items(oo_home)
    assert (_t("2025-03-11T15:00"), _t("2025-03-11T16:00"), 1) in after
    assert not any(s == _t("2025-03-11T09:00") for s, _, _ in after)
    assert not any(s.startswith("2025-03-13T09") for s, _, _ in after)
    assert len(after) == len(before) - 1  # the five standups are all still there
    (second,) = _cursor(oo_home)["calendars"].values()
    assert second["mode"] == "incremental" and second["token"] != first["token"]
    ledger = run_oo("privacy", "ledger", "--since", "3650d", "--json", env=ENV).stdout
    reports = [json.loads(x) for x in ledger.splitlines() if '"REPORT"' in x]
    assert reports and {r["host"] for r in reports} == {"127.0.0.1"}  # recorded, no path
    _disconnect()


def test_wrong_credentials_are_refused_and_nothing_is_saved(
    oo_home: Path,
    real_keyring: None,  # noqa: F811
    radicale: RadicaleServer,
) -> None:
    radicale.calendar("Work")
    assert "caldav:" not in _keyring()
    result = _connect(radicale, password="not-the-password")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "oo: 127.0.0.1 refused the user name or app password; nothing was saved"
    )
    assert "Traceback" not in result.stderr
    assert "caldav:" not in _keyring()
    assert json.loads(run_oo("status", "--json", env=ENV).stdout)["sources"] == []
    assert b"not-the-password" not in _owned(oo_home)


@pytest.mark.parametrize(
    ("address", "words"),
    [
        (f"http://alice:{PASSWORD}@127.0.0.1:1/", "never put the password in the address"),
        ("http://alice@dav.example.com/", "plain http would send your app password in clear"),
        ("https://dav.example.com/", "put your user name in the address"),
    ],
)
def test_an_unsafe_or_incomplete_address_is_refused(
    oo_home: Path, address: str, words: str
) -> None:
    result = run_oo("connect", "caldav", address, "--yes", input="x\n", env=ENV)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(f"oo: {words}")
    assert json.loads(run_oo("status", "--json", env=ENV).stdout)["sources"] == []


def test_a_password_revoked_on_the_server_shows_reconnect_needed(
    oo_home: Path,
    real_keyring: None,  # noqa: F811
    radicale: RadicaleServer,
) -> None:
    radicale.calendar("Work").save_event(STANDUP)
    assert _connect(radicale).returncode == 0
    before = _items(oo_home)
    radicale.set_password("a-new-app-password")  # the person revoked oO's app password

    synced = run_oo("sync", "caldav", env=ENV)
    assert synced.returncode == 1
    assert synced.stderr.strip() == (
        "oo: caldav: reconnect needed: 127.0.0.1 refused the user name or app password;"
        " run `oo connect caldav`"
    )
    (source,) = json.loads(run_oo("status", "--json", env=ENV).stdout)["sources"]
    assert source["state"] == "reconnect needed"
    assert _items(oo_home) == before  # a refused pull changes nothing
    _disconnect()


def test_at_a_terminal_the_calendars_are_chosen_from_a_list(
    oo_home: Path,
    real_keyring: None,  # noqa: F811
    radicale: RadicaleServer,
    tmp_path: Path,
) -> None:
    import os
    import shutil

    from tests.test_tui_tmux import Tmux, flat, wait_for

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux; scripts/test does it)")
    radicale.calendar("Work").save_event(STANDUP)
    radicale.calendar("Home").save_event(LUNCH)
    tmux = Tmux(tmp_path)
    env = " ".join(f"{k}={v}" for k, v in {**ENV, "OO_HOME": str(oo_home)}.items())
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    backend = os.environ.get("PYTHON_KEYRING_BACKEND", "")
    try:
        tmux(
            "new-session", "-d", "-s", "t", "-x", "120", "-y", "30",
            f"env {env} DBUS_SESSION_BUS_ADDRESS='{bus}' PYTHON_KEYRING_BACKEND={backend}"
            f" {OO} connect caldav {radicale.url()}; sleep 60",
        )  # fmt: skip
        wait_for(lambda: "on these terms?" in tmux.screen(), "the consent question", 60)
        tmux("send-keys", "-t", "t", "y", "Enter")
        wait_for(lambda: "App password for alice" in tmux.screen(), "the password prompt", 60)
        tmux("send-keys", "-t", "t", PASSWORD, "Enter")
        wait_for(lambda: "Calendars to use" in tmux.screen(), "the list of calendars", 60)
        screen = flat(tmux.screen())
        assert PASSWORD not in screen  # typed hidden
        home = next(n for n in ("1", "2") if f"{n}. Home" in screen)
        tmux("send-keys", "-t", "t", home, "Enter")
        wait_for(lambda: "Connected caldav" in tmux.screen(), "the connection", 60)
    finally:
        tmux.kill()
    stored = _items(oo_home)
    assert stored == [(_t("2025-03-11T12:00"), _t("2025-03-11T13:00"), 0)]  # Home only
    _disconnect()
