"""Only what can matter for the week is parsed (ics_lines), and the week stays the same."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser.content_line import Contentline

from oo.connectors import calendar, ics_lines
from oo.connectors.base import ConnectorError, Item
from tests.connectors_support import FIXTURES
from tests.test_connectors_calendar import _event, _reference_expand

NOWS = (
    datetime(2025, 3, 10, 9, 5, tzinfo=UTC),
    datetime(2025, 3, 28, 23, 30, tzinfo=UTC),
    datetime(2025, 10, 24, tzinfo=UTC),
)


@pytest.fixture(params=["UTC", "Europe/Berlin", "America/New_York"])
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def _week(data: bytes, now: datetime, *, whole: bool) -> list[Item] | str:
    """The week as oO reads it from the window's lines, or (whole) from the whole calendar
    (which test_connectors_calendar holds equal to recurring-ical-events). A refusal is its
    message."""
    try:
        return calendar.expand(calendar._parse(data, None if whole else now), now)
    except ConnectorError as exc:
        return str(exc)


def _noise(rng: random.Random, n: int) -> list[str]:
    """What a real feed adds to an event and oO never reads: text, people, alarms."""
    lines = [
        f"SUMMARY:Meeting {n}\\, with a comma and a colon: here",
        "DESCRIPTION:" + "A long folded description. " * rng.randint(0, 12),
        'ATTENDEE;CN="Someone; Else";ROLE=REQ-PARTICIPANT:mailto:someone@example.com',
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        'LOCATION;ALTREP="https://example.com/a:b":Room 1',
    ]
    lines = rng.sample(lines, rng.randint(0, len(lines)))
    if rng.randint(0, 2) == 0:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"]
    return lines


def _fold(line: str) -> str:
    return "\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74)) or line


def _noisy_calendar(rng: random.Random, events: int, around: date) -> bytes:
    """The generated calendars of test_connectors_calendar, plus text, alarms, a to-do,
    one-off events years back and ahead, and folded lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//oO tests//noisy//EN"]
    if rng.randint(0, 1):
        lines.append("X-WR-TIMEZONE:Europe/Berlin")
    for n in range(events):
        event = _event(n, rng.randint, around)
        if rng.randint(0, 3) == 0:  # one-off, far from the week
            day = around + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 900))
            event = [
                "BEGIN:VEVENT",
                f"UID:far{n}@example.com",
                f"DTSTART:{day:%Y%m%d}T{rng.randint(0, 23):02d}0000",
                *([f"DTEND:{day:%Y%m%d}T235900"] if rng.randint(0, 1) else ["DURATION:PT3H"]),
                "END:VEVENT",
            ]
        at = rng.randint(1, max(1, len(event) - 1))
        noisy = [*event[:at], *_noise(rng, n), *event[at:]]
        lines += [_fold(line) for line in noisy]
        if rng.randint(0, 40) == 0:
            lines += ["BEGIN:VTODO", f"UID:todo{n}", "SUMMARY:a task", "END:VTODO"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_every_fixture_reads_the_same_week_from_its_window_lines(zone: str) -> None:
    for path in sorted(FIXTURES.glob("*.ics")):
        data = path.read_bytes()
        for now in NOWS:
            assert _week(data, now, whole=False) == _week(data, now, whole=True), path.name


def test_noisy_calendars_read_the_same_week_from_their_window_lines(zone: str) -> None:
    for seed, now in enumerate(NOWS):
        data = _noisy_calendar(random.Random(seed), 600, now.date())
        week = _week(data, now, whole=False)
        assert week == _week(data, now, whole=True)
        assert week == _reference_expand(icalendar.Calendar.from_ical(data), now)
        assert isinstance(week, list) and len(week) > 100  # the comparison means something


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 400), st.integers(0, 23))
def test_random_calendars_read_the_same_week_from_their_window_lines(
    rng: random.Random, day: int, hour: int
) -> None:
    now = datetime(2024, 6, 1, hour, tzinfo=UTC) + timedelta(days=day)
    data = _noisy_calendar(rng, 40, now.date())
    assert _week(data, now, whole=False) == _week(data, now, whole=True)


def test_what_cannot_matter_for_the_week_is_not_parsed() -> None:
    """Years of past meetings, their text and alarms, and to-dos are left out before the
    parse; the week's events, their zone and the calendar's own properties stay."""
    now = NOWS[0]
    data = _noisy_calendar(random.Random(7), 2_000, now.date())
    low, high = calendar.window(now)
    whole = icalendar.Calendar.from_ical(data)
    parsed = ics_lines.parse(data, low, high)
    assert len(parsed.walk("VEVENT")) < len(whole.walk("VEVENT")) * 0.9
    assert not parsed.walk("VALARM") and not parsed.walk("VTODO")
    assert not any("SUMMARY" in event for event in parsed.walk("VEVENT"))
    assert parsed.get("X-WR-TIMEZONE") == whole.get("X-WR-TIMEZONE")
    week = (FIXTURES / "week.ics").read_bytes()
    zones = ics_lines.parse(week, low, high)
    assert [tz["TZID"] for tz in zones.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_an_unexpected_structure_is_parsed_whole() -> None:
    """A BEGIN without its END, or two calendars in one file: the library decides."""
    low, high = calendar.window(NOWS[0])
    for text in (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:x\r\nEND:VCALENDAR\r\n",
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nX-A:1\r\nEND:VCALENDAR\r\n",
    ):
        assert [str(line) for line in ics_lines.window_lines(text, low, high)][:-1] == [
            line for line in text.split("\r\n") if line
        ]


_LINE = st.text(
    st.sampled_from(list('ABCDTZ-0123456789:;=,"\\ \tnx.')) | st.characters(), max_size=40
)


@settings(max_examples=400, deadline=None)
@given(_LINE)
def test_a_line_splits_into_the_same_parts_as_icalendar_splits_it(text: str) -> None:
    text = text.replace("\n", "")

    def parts(line: Contentline) -> object:
        try:
            name, params, value = line.parts()
        except ValueError:
            return "refused"
        return name, dict(params), type(params), value

    assert parts(ics_lines.Line(text)) == parts(Contentline(text))  # type: ignore[no-untyped-call]
