"""The content lines of a calendar that can matter for one window (wraps icalendar's lines).

icalendar's parse is most of a calendar's read, and most of a real calendar cannot change
what happens inside a week: titles, descriptions, attendees and alarms, and years of past
meetings. Before the parse, one cheap pass over the unfolded lines keeps what can:

1. Inside a VEVENT, only the properties read to find its occurrences (`READ`: those
   recurring-ical-events reads, plus STATUS and TRANSP); its VALARMs go.
2. A VEVENT that is one plain occurrence (no RRULE, RDATE, EXDATE or RECURRENCE-ID, and a
   UID no other VEVENT has) goes when its DTSTART and DTEND (or DURATION) dates lie
   `SLACK` or more before the window or after it. Only plain date digits are read
   (`20250310`, `20250310T090000`, `...Z`); a zone moves a time by less than a day, so the
   slack covers TZID, floating and UTC times alike. Any other value keeps the event.
3. A component beside the VEVENTs that holds none (VTODO, VJOURNAL, VFREEBUSY...) goes.
   VTIMEZONE and the calendar's own properties (X-WR-TIMEZONE) stay.

Anything the pass does not expect (a BEGIN or END it cannot pair, more than one calendar)
gives back every line, so the library decides as it would on the whole text.

The lines kept are `Line`s: content lines that split a plain `NAME:VALUE` line (no
parameters, quotes or backslashes) without the library's character-by-character loop,
into the same name, parameters and value. They are parsed by icalendar's own calendar
parser, with its value types looked up once per property name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar.parser.content_line import NEWLINE, UFOLD, Contentline
from icalendar.parser.ical.calendar import CalendarIcalParser
from icalendar.parser.parameter import Parameters
from icalendar.parser_tools import to_unicode

SLACK = timedelta(days=2)  # any zone is within 14 h of UTC; a date is 24 h long
# What oO and recurring-ical-events read from a VEVENT to find and describe its occurrences.
READ = frozenset(
    {
        "UID",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "RDATE",
        "EXDATE",
        "RECURRENCE-ID",
        "SEQUENCE",
        "STATUS",
        "TRANSP",
    }
)
RECURS = ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9-]+")
_STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T\d{6}Z?)?")


class Line(Contentline):
    """A content line; a plain `NAME:VALUE` line is split by two `find`s."""

    __slots__ = ()

    def __new__(cls, value: str) -> Line:
        # What Contentline.__new__ does for a str without a line break, minus its checks.
        self: Any = str.__new__(cls, value)
        self.strict = False
        line: Line = self
        return line

    def _plain(self) -> tuple[str, Any, str] | None:
        if '"' in self or "\\" in self:
            return None
        colon = self.find(":")
        if colon <= 0 or self.find(";", 0, colon) >= 0:
            return None
        name = self[:colon]
        if not _PLAIN_NAME.fullmatch(name):
            return None
        return name, Parameters(), self[colon + 1 :]

    def raw_parts(self) -> tuple[str, Any, str]:
        parts = self._plain()
        return parts if parts is not None else super().raw_parts()

    def parts(self) -> tuple[str, Any, str]:
        parts = self._plain()  # no backslash: nothing to unescape
        return parts if parts is not None else super().parts()


def _name(line: str) -> str | None:
    """The property or BEGIN/END name a line starts with, uppercased; None if unclear."""
    cut = len(line)
    for mark in (":", ";"):
        at = line.find(mark, 0, cut)
        if at >= 0:
            cut = at
    name = line[:cut].strip().upper()
    return name if _PLAIN_NAME.fullmatch(name) else None


def _value(line: str) -> str | None:
    """The line's value as icalendar reads it; None if it cannot."""
    try:
        value: str = Line(line).parts()[2]
    except ValueError:
        return None
    return value


def _day(line: str | None) -> date | None:
    """The date digits a DTSTART or DTEND line starts its value with, if that is all it holds."""
    value = None if line is None else _value(line)
    match = None if value is None else _STAMP.fullmatch(value)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class _Event:
    """One VEVENT's kept lines and what decides whether it can reach the window."""

    __slots__ = ("duration", "end", "keep", "lines", "seen", "start", "uid")

    def __init__(self, begin: str) -> None:
        self.lines = [begin]
        self.seen: set[str] = set()
        self.uid: str | None = None
        self.start: str | None = None
        self.end: str | None = None
        self.duration: str | None = None
        self.keep = False  # it recurs, or holds something the pass does not read

    def read(self, name: str, line: str) -> None:
        if name in self.seen or name in RECURS:
            self.keep = True
        self.seen.add(name)
        if name == "UID":
            self.uid = _value(line)
            self.keep = self.keep or self.uid is None or "\\" in line
        elif name == "DTSTART":
            self.start = line
        elif name == "DTEND":
            self.end = line
        elif name == "DURATION":
            self.duration = line

    def outside(self, low: datetime, high: datetime) -> bool:
        """True only when this one occurrence surely lies before low or after high."""
        if self.keep:
            return False
        first = _day(self.start)
        if first is None:
            return False
        last = first
        if self.end is not None:
            end = _day(self.end)
            if end is None:
                return False
            last = max(first, end)
        elif self.duration is not None:
            from icalendar.prop import vDuration

            try:
                length: timedelta = vDuration.from_ical(_value(self.duration) or "?")  # type: ignore[no-untyped-call]
            except (ValueError, TypeError):
                return False
            last = first + max(length, timedelta(0)) + timedelta(days=1)
        begins = datetime(first.year, first.month, first.day, tzinfo=UTC)
        ends = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return ends + SLACK < low or begins - SLACK > high


class _Other:
    """A component beside the VEVENTs (not a VTIMEZONE): kept only if it holds a VEVENT."""

    __slots__ = ("holds_event", "lines")

    def __init__(self, begin: str) -> None:
        self.lines = [begin]
        self.holds_event = False


def _unfold(data: bytes | str) -> list[str]:
    """The unfolded lines, as icalendar's Contentlines.from_ical splits them."""
    return [line for line in NEWLINE.split(UFOLD.sub("", to_unicode(data))) if line]


class _Parser(CalendarIcalParser):
    """icalendar's calendar parser, which looks up a value type twice for each property:
    here once for each property name and VALUE parameter."""

    def __init__(self, lines: list[Contentline]) -> None:
        from icalendar import Calendar

        # What Calendar.from_ical gives its parser.
        super().__init__(lines, Calendar._get_component_factory(), Calendar.types_factory)
        self._types: dict[tuple[str, str | None], Any] = {}

    def get_factory_for_property(self, name: str, params: Any) -> Any:
        key = (name, params.value if params else None)
        found = self._types.get(key)
        if found is None:
            found = self._types[key] = super().get_factory_for_property(name, params)
        return found


def parse(data: bytes | str, low: datetime, high: datetime) -> Any:
    """The calendar parsed from the lines that can matter between low and high, as
    `icalendar.Calendar.from_ical` parses one calendar."""
    components = _Parser(window_lines(data, low, high)).parse()
    if len(components) != 1:
        raise ValueError(f"{len(components)} components where one calendar is required")
    return components[0]


def window_lines(data: bytes | str, low: datetime, high: datetime) -> list[Contentline]:
    """The content lines of `data` that can matter between low and high."""
    lines = _unfold(data)
    kept = _keep(lines, low.astimezone(UTC), high.astimezone(UTC))
    result: list[Contentline] = [Line(line) for line in (lines if kept is None else kept)]
    result.append(Line(""))  # as Contentlines.from_ical ends
    return result


class _Unexpected(Exception):
    """A structure the pass does not read: every line goes to the library."""


def _component(line: str) -> str:
    if '"' in line or "\\" in line or ":" not in line:
        raise _Unexpected
    return line[line.index(":") + 1 :].upper()


def _keep(lines: list[str], low: datetime, high: datetime) -> list[str] | None:
    """The lines to parse, or None to parse them all."""
    reader = _Pass()
    try:
        for line in lines:
            reader.line(line)
    except _Unexpected:
        return None
    if reader.stack:
        return None
    out = reader.out
    uids: dict[str, int] = {}
    for item in out:
        if isinstance(item, _Event) and item.uid is not None:
            uids[item.uid] = uids.get(item.uid, 0) + 1
    kept: list[str] = []
    for item in out:
        if not isinstance(item, _Event):
            kept.append(item)
        elif (
            reader.nested  # a VEVENT inside another component may share a UID: keep all
            or (item.uid is not None and uids[item.uid] > 1)
            or not item.outside(low, high)
        ):
            kept.extend(item.lines)
    return kept


class _Pass:
    """The calendar's lines with each top-level VEVENT as one _Event (its unread properties
    and alarms left out) and the components that hold no VEVENT left out; and whether a
    VEVENT sits deeper than the top level."""

    def __init__(self) -> None:
        self.out: list[str | _Event] = []
        self.stack: list[str] = []
        self.current: _Event | _Other | None = None  # the top-level component being read
        self.alarm = 0  # depth inside a VALARM of the current VEVENT
        self.nested = False
        self.calendars = 0

    def _add(self, line: str) -> None:
        (self.current.lines if self.current is not None else self.out).append(line)

    def line(self, line: str) -> None:
        name = _name(line)
        if name == "BEGIN":
            self.begin(line, _component(line))
        elif name == "END":
            self.end(line, _component(line))
        elif not self.stack:
            raise _Unexpected
        elif self.alarm:
            return
        elif isinstance(self.current, _Event) and len(self.stack) == 2:
            if name in READ:
                self.current.read(name, line)
                self.current.lines.append(line)
        else:
            self._add(line)

    def begin(self, line: str, what: str) -> None:
        self.stack.append(what)
        depth, current = len(self.stack), self.current
        if depth == 1:
            self.calendars += 1
            if what != "VCALENDAR" or self.calendars > 1:
                raise _Unexpected
            self.out.append(line)
        elif depth == 2:
            if what == "VEVENT":
                self.current = _Event(line)
            elif what != "VTIMEZONE":
                self.current = _Other(line)
            else:
                self.out.append(line)
        elif isinstance(current, _Event) and (self.alarm or what == "VALARM"):
            self.alarm += 1
        else:
            if what == "VEVENT":
                self.nested = True
                if isinstance(current, _Other):
                    current.holds_event = True
            if isinstance(current, _Event):
                current.keep = True  # something other than an alarm inside: not plain
            self._add(line)

    def end(self, line: str, what: str) -> None:
        if not self.stack or self.stack.pop() != what:
            raise _Unexpected
        current = self.current
        if self.alarm:
            self.alarm -= 1
        elif len(self.stack) == 1 and current is not None:
            current.lines.append(line)
            if isinstance(current, _Event):
                self.out.append(current)
            elif current.holds_event:
                self.out.extend(current.lines)
            self.current = None
        else:
            self._add(line)
