"""Occurrences of a calendar's VEVENTs inside one window, fast (wraps recurring-ical-events).

`recurring_ical_events.of(calendar).between(start, stop)` builds a Series (dateutil rule
set, exdate/rdate tables) for every UID in the calendar and copies the whole component for
every occurrence it returns. For a sync that needs a week of a calendar with years of
history, most of that work is thrown away. This module plugs into the library's documented
extension points (a `SelectComponents` that collects the series, an `Occurrence` subclass)
and returns the same occurrences, in the same order, with three shortcuts:

1. A UID whose components can have no occurrence inside the window is never handed to the
   library. A component is kept unless its possible occurrences provably end before the
   window or start after it: by DTSTART/DTEND for single events and overrides, by RRULE
   UNTIL or (for rules without BY* parts) COUNT for series. RDATE and RANGE=THISANDFUTURE
   always keep the UID; anything that cannot be read keeps it too (the library decides).
   Bounds are compared in UTC with two days of slack for floating times and dates.
2. A UID with one component and no RRULE/RDATE/EXDATE/RECURRENCE-ID (a plain event, most
   of a real calendar) skips the Series machinery: its single occurrence is the library's
   own span of the component, checked with the library's own `is_in_span`.
3. Occurrences are returned as they are (start, end, source component), never copied into
   a new icalendar component.

One difference by design: a broken series that lies wholly outside the window is skipped
instead of failing the whole calendar.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import recurring_ical_events
from recurring_ical_events.adapters.event import EventAdapter
from recurring_ical_events.occurrence import Occurrence
from recurring_ical_events.selection.name import ComponentsWithName
from recurring_ical_events.util import compare_greater, convert_to_date, convert_to_datetime

SLACK = timedelta(days=2)  # floating times and dates: any zone is within 14 h of UTC
_NEVER = datetime.max.replace(tzinfo=UTC)
# Longest gap between two occurrences of a rule without BY* parts (day 31 skips months,
# 29 February skips up to 8 years).
_PERIOD = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": timedelta(hours=1),
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(days=7),
    "MONTHLY": timedelta(days=62),
    "YEARLY": timedelta(days=366 * 8),
}


# Rules without BY* parts whose starts are DTSTART + k * step (what dateutil yields, in
# wall-clock time): computed directly, never by walking from DTSTART.
_STEPS = {f: _PERIOD[f] for f in ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY")}
# A sub-daily rule with BY* parts is walked by dateutil from DTSTART: refused when that walk
# would pass more starts than this before the window ends.
MAX_WALK = 200_000
# At most this many occurrences of one series inside the window.
MAX_PER_SERIES = 1_000


class TooMany(Exception):
    """A series has more occurrences in the window (or steps to walk) than oO reads."""

    def __init__(self, uid: str, what: str) -> None:
        super().__init__(f"{uid}: {what}")
        self.uid, self.what = uid, what


class Found(Occurrence):  # type: ignore[misc]
    """An occurrence handed back as is: `start`, `end` and the source `component`."""

    def as_component(self, keep_recurrence_attributes: bool) -> Found:
        return self

    @property
    def component(self) -> Any:
        return self._adapter._component


class _Single:
    """The series of a UID with one plain component: one occurrence, maybe in the window."""

    def __init__(self, adapter: Any) -> None:
        self._occurrence = Found(adapter, sequence=adapter.sequence)  # raises like the library
        self._duration = adapter.duration
        self._tz = getattr(adapter.start, "tzinfo", None)
        self._rule_start = convert_to_datetime(adapter.start, self._tz)

    def between(self, span_start: Any, span_stop: Any) -> Iterator[Found]:
        # The library's rule set only yields starts in [span_start - duration, span_stop]
        # (compared in the event's zone), then checks the occurrence's span.
        low = convert_to_datetime(span_start - self._duration, self._tz)
        high = convert_to_datetime(span_stop, self._tz)
        if low <= self._rule_start <= high and self._occurrence.is_in_span(span_start, span_stop):
            yield self._occurrence


class _Stepped(_Single):
    """A plain component with one RRULE of FREQ=DAILY or WEEKLY and no BY* parts: its
    starts are DTSTART + k * step in wall-clock time, which is what dateutil yields."""

    def __init__(self, adapter: Any, step: timedelta, count: int | None, until: Any) -> None:
        super().__init__(adapter)
        self._adapter = adapter
        self._step, self._count, self._until = step, count, until
        self._dates = not isinstance(adapter.start, datetime) and not isinstance(
            adapter.end, datetime
        )

    def between(self, span_start: Any, span_stop: Any) -> Iterator[Found]:
        low = convert_to_datetime(span_start - self._duration, self._tz)
        high = convert_to_datetime(span_stop, self._tz)
        first = self._rule_start
        # k from absolute times, widened: a zone's offset moves by far less than a step
        lo_k = max(0, (low.replace(tzinfo=None) - first.replace(tzinfo=None)) // self._step - 2)
        hi_k = (high.replace(tzinfo=None) - first.replace(tzinfo=None)) // self._step + 2
        if self._count is not None:
            hi_k = min(hi_k, self._count - 1)
        if hi_k - lo_k > MAX_PER_SERIES + 4:
            raise TooMany(
                str(self._adapter.uid),
                f"a rule repeating every {_every(self._step)} has about {hi_k - lo_k:,}"
                f" occurrences in the window, over the {MAX_PER_SERIES:,} oO reads a series",
            )
        for k in range(lo_k, hi_k + 1):
            start = first + self._step * k
            if not low <= start <= high:
                continue
            if self._until is not None and compare_greater(start, self._until):
                break
            end = start + self._duration
            if self._dates:
                start, end = convert_to_date(start), convert_to_date(end)
            occurrence = Found(self._adapter, start, end)
            if occurrence.is_in_span(span_start, span_stop):
                yield occurrence


def _stepped(component: Any, adapter: Any) -> _Stepped | None:
    """A _Stepped series for a plain component with one simple RRULE, else None."""
    if any(name in component for name in ("RDATE", "EXDATE", "RECURRENCE-ID")):
        return None
    rule = component["RRULE"]
    if isinstance(rule, list) or not set(rule) <= {"FREQ", "INTERVAL", "COUNT", "UNTIL"}:
        return None
    if "FREQ" not in rule:  # an empty `RRULE:` line, as public holiday feeds have: the
        return None  # library reads it as no rule
    if not _plain_span(adapter) or getattr(adapter.raw_start, "fold", False):
        return None
    step = _STEPS.get(str(rule["FREQ"][0]).upper())
    interval = rule.get("INTERVAL", [1])[0]
    count = rule["COUNT"][0] if "COUNT" in rule else None
    until = rule["UNTIL"][0] if "UNTIL" in rule else None
    if step is None or type(interval) is not int or interval < 1:
        return None
    if count is not None and (type(count) is not int or count < 1):
        return None
    if until is not None:
        start = adapter.raw_start
        if isinstance(until, datetime) != isinstance(start, datetime):
            return None
        if isinstance(until, datetime) and (until.tzinfo is None) != (start.tzinfo is None):
            return None
        if "COUNT" in rule:
            return None
    return _Stepped(adapter, step * interval, count, until)


def _every(step: timedelta) -> str:
    seconds = int(step.total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"


def _walk_bound(component: Any, adapter: Any, high: datetime) -> None:
    """Refuse a sub-daily rule that dateutil would walk through too many starts."""
    rules = component["RRULE"]
    for rule in rules if isinstance(rules, list) else [rules]:
        step = _STEPS.get(str(rule.get("FREQ", ["?"])[0]).upper())
        if step is None or step >= timedelta(days=1):
            continue
        try:
            interval = max(1, int(rule.get("INTERVAL", [1])[0]))
            steps = (high - _utc(adapter.start)) / (step * interval)
        except Exception:  # noqa: S112 (an unreadable rule: the library decides)
            continue
        if "COUNT" in rule:
            steps = min(steps, float(rule["COUNT"][0]))
        if steps > MAX_WALK:
            raise TooMany(
                str(adapter.uid),
                f"a rule repeating every {_every(step * interval)} since"
                f" {_utc(adapter.start):%Y-%m-%d} has {steps:,.0f} starts to walk through,"
                f" over the {MAX_WALK:,} oO walks",
            )


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise TypeError(type(value).__name__)


def _rule_last_start(component: Any, start: datetime) -> datetime:
    """The latest start any RRULE of the component can yield, or _NEVER."""
    rules = component["RRULE"]
    latest = start
    for rule in rules if isinstance(rules, list) else [rules]:
        if "UNTIL" in rule:
            until = _utc(rule["UNTIL"][0]) + SLACK
        elif "COUNT" in rule and not any(key.startswith("BY") for key in rule):
            count, interval = int(rule["COUNT"][0]), int(rule.get("INTERVAL", [1])[0])
            if count <= 0 or interval <= 0:
                return _NEVER
            until = start + _PERIOD[str(rule["FREQ"][0]).upper()] * count * interval
        else:
            return _NEVER
        latest = max(latest, until)
    return latest


def _may_touch(component: Any, adapter: Any, low: datetime, high: datetime) -> bool:
    """False only when no occurrence of this component can reach [low, high]."""
    try:
        if "RDATE" in component:
            return True
        recurrence_id = component.get("RECURRENCE-ID")
        if recurrence_id is not None and "RANGE" in recurrence_id.params:
            return True
        start, end = _utc(adapter.start), _utc(adapter.end)
        if start > high:
            return False
        if "RRULE" in component:
            last = _rule_last_start(component, start)
            if last is _NEVER:
                return True
            end = last + max(end - start, timedelta(0))
        return end + SLACK >= low
    except Exception:
        return True


def _is_plain(component: Any, adapter: Any) -> bool:
    if any(name in component for name in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")):
        return False
    return _plain_span(adapter)


def _plain_span(adapter: Any) -> bool:
    start, end = adapter.raw_start, adapter.raw_end
    if isinstance(start, datetime) != isinstance(end, datetime):
        return False  # the library converts mixed date/datetime spans: let it
    if isinstance(start, datetime) and start.tzinfo is not end.tzinfo:
        return False  # start + (end - start) is not end across zones: let the library
    return not hasattr(getattr(start, "tzinfo", None), "localize")  # pytz: let the library


class InWindow(ComponentsWithName):  # type: ignore[misc]
    """VEVENT series that may have an occurrence between span_start and span_stop."""

    def __init__(self, span_start: datetime, span_stop: datetime) -> None:
        super().__init__("VEVENT", EventAdapter, occurrence=Found)
        self._low = span_start.astimezone(UTC) - SLACK
        self._high = span_stop.astimezone(UTC) + SLACK

    def collect_series_from(self, source: Any, suppress_errors: tuple[Any, ...]) -> list[Any]:
        groups: dict[str, list[Any]] = {}
        for component in source.walk("VEVENT"):
            adapter = EventAdapter(component)
            groups.setdefault(adapter.uid, []).append(adapter)
        result: list[Any] = []
        for adapters in groups.values():
            if not any(_may_touch(a._component, a, self._low, self._high) for a in adapters):
                continue
            with contextlib.suppress(*suppress_errors):
                fast = self._fast(adapters)
                if fast is None:
                    for adapter in adapters:
                        if "RRULE" in adapter._component:
                            _walk_bound(adapter._component, adapter, self._high)
                result.append(fast or self._series(adapters))
        return result

    @staticmethod
    def _fast(adapters: list[Any]) -> _Single | None:
        if len(adapters) != 1:
            return None
        adapter = adapters[0]
        component = adapter._component
        if _is_plain(component, adapter):
            return _Single(adapter)
        if "RRULE" in component:
            return _stepped(component, adapter)
        return None


def between(calendar: Any, span_start: datetime, span_stop: datetime) -> Sequence[Found]:
    """What `of(calendar, skip_bad_series=True).between(span_start, span_stop)` returns,
    as `Found` occurrences instead of copied components."""
    query = recurring_ical_events.of(
        calendar, skip_bad_series=True, components=[InWindow(span_start, span_stop)]
    )
    found: Sequence[Found] = query.between(span_start, span_stop)
    return found
