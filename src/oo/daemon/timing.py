"""When to notify: the daemon's timing policy, as pure functions of the moment and history.

Rules (see docs/daemon.md and ADR 0041):
- Decision points: twice the daily budget, spread evenly over the waking day (outside quiet
  hours), each moved by a jitter fixed for the day, so different hours get explored.
  Only the latest point that has come is decided (missed points coalesce into one).
- Never during quiet hours, never while the calendar says busy, never beyond the daily
  budget or closer than the minimum gap to the last notification, never while a tip put
  off with "later" is waiting, and never twice for the same tip. These are rules: the
  decision is logged with probability 0 (busy and gap wait within the point's window).
- Otherwise the daemon sends with a probability: the budget left over the points left
  today, scaled by how well this hour and weekday have answered before (smoothed toward
  the person's overall rate), clipped to [0.1, 0.8] so it keeps exploring and never
  decides with certainty. A tip coming back from "later" is sent with the upper bound.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from oo.errors import OOError

POLICY = "timing-paced/1"
P_MIN = 0.1
P_MAX = 0.8
POINTS_PER_BUDGET = 2
JITTER = 0.25  # of the spacing between points, either way
SMOOTHING = 5.0  # pseudo-observations pulling a bucket toward the overall rate
PRIOR_RATE = 0.5

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class NotifySettings:
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    daily_budget: int = 3
    min_gap: timedelta = timedelta(minutes=90)

    @classmethod
    def load(cls) -> NotifySettings:
        """From `[notify]` in config.toml, with the defaults above."""
        from oo import config

        start, end = parse_quiet_hours(config.get("notify", "quiet_hours", "22:00-08:00"))
        budget = config.get("notify", "daily_budget", 3)
        gap = config.get("notify", "min_gap_minutes", 90)
        if not 0 <= budget <= 48:
            raise OOError("notify.daily_budget must be between 0 and 48")
        if not 0 <= gap <= 24 * 60:
            raise OOError("notify.min_gap_minutes must be between 0 and 1440")
        return cls(start, end, budget, timedelta(minutes=gap))


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """`22:00-08:00` -> (22:00, 08:00). Equal ends mean no quiet hours."""
    match = _CLOCK.match(text)
    if match is None:
        raise OOError(f"cannot read quiet hours {text!r}: use HH:MM-HH:MM, e.g. 22:00-08:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise OOError(f"cannot read quiet hours {text!r}: hours 0-23, minutes 0-59")
    return time(h1, m1), time(h2, m2)


def in_quiet_hours(local: datetime, settings: NotifySettings) -> bool:
    start, end = settings.quiet_start, settings.quiet_end
    t = local.time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _waking_window(day: date, settings: NotifySettings, tz: object) -> tuple[datetime, datetime]:
    """The waking part of a local day: from the end of quiet hours to their start."""
    tzinfo = tz  # the local zone of `now`
    if settings.quiet_start == settings.quiet_end:
        begin = datetime.combine(day, time(0, 0), tzinfo)  # type: ignore[arg-type]
        return begin, begin + timedelta(days=1)
    begin = datetime.combine(day, settings.quiet_end, tzinfo)  # type: ignore[arg-type]
    end = datetime.combine(day, settings.quiet_start, tzinfo)  # type: ignore[arg-type]
    if end <= begin:
        end += timedelta(days=1)
    return begin, end


def decision_points(day: date, settings: NotifySettings, tz: object) -> list[datetime]:
    """The day's decision points (local times), the same on every run for that day."""
    count = settings.daily_budget * POINTS_PER_BUDGET
    if count == 0:
        return []
    begin, end = _waking_window(day, settings, tz)
    spacing = (end - begin) / count
    jitter = random.Random(day.isoformat())
    return [begin + spacing * (i + 0.5 + jitter.uniform(-JITTER, JITTER)) for i in range(count)]


def point_key(day: date, index: int) -> str:
    return f"{day.isoformat()}#{index}"


def current_point(now: datetime, settings: NotifySettings) -> tuple[str, datetime, int] | None:
    """The latest decision point that has come (key, time, points left after it)."""
    local = now.astimezone()
    for day in (local.date(), local.date() - timedelta(days=1)):
        points = decision_points(day, settings, local.tzinfo)
        begin, end = _waking_window(day, settings, local.tzinfo)
        if not begin <= local < end:
            continue
        passed = [i for i, p in enumerate(points) if p <= local]
        if not passed:
            return None
        i = passed[-1]
        return point_key(day, i), points[i], len(points) - i - 1
    return None


@dataclass(frozen=True)
class Bucket:
    """How notifications at one hour (or weekday) were answered: tried, answered well."""

    tried: int = 0
    good: float = 0.0


@dataclass(frozen=True)
class Moment:
    """Everything the policy looks at, gathered by the caller from the store."""

    now: datetime
    tip_id: str | None
    sent_today: int
    last_sent: datetime | None
    busy: bool
    later_waiting: bool
    already_notified: bool
    returning: bool
    points_left: int
    hours: Mapping[int, Bucket]
    weekdays: Mapping[int, Bucket]


@dataclass(frozen=True)
class Decision:
    send: bool
    probability: float
    reason: str
    final: bool = True  # False: wait and ask again within this decision point


def clip(p: float) -> float:
    return min(P_MAX, max(P_MIN, p))


def _rate(bucket: Bucket, overall: float) -> float:
    return (bucket.good + SMOOTHING * overall) / (bucket.tried + SMOOTHING)


def learned_factor(moment: Moment) -> float:
    """How much better (>1) or worse (<1) this hour and weekday answer than usual."""
    tried = sum(b.tried for b in moment.hours.values())
    good = sum(b.good for b in moment.hours.values())
    overall = (good + SMOOTHING * PRIOR_RATE) / (tried + SMOOTHING)
    local = moment.now.astimezone()
    hour = _rate(moment.hours.get(local.hour, Bucket()), overall)
    weekday = _rate(moment.weekdays.get(local.weekday(), Bucket()), overall)
    return math.sqrt((hour / overall) * (weekday / overall))


def decide(moment: Moment, settings: NotifySettings, rng: random.Random) -> Decision:
    """Send a notification about the current tip now, or not; with its probability."""
    local = moment.now.astimezone()
    if moment.tip_id is None:
        return Decision(False, 0.0, "no-tip")
    if moment.already_notified:
        return Decision(False, 0.0, "already-notified")
    if in_quiet_hours(local, settings):
        return Decision(False, 0.0, "quiet-hours")
    if moment.sent_today >= settings.daily_budget:
        return Decision(False, 0.0, "budget")
    if moment.later_waiting:
        return Decision(False, 0.0, "later-waiting")
    if moment.busy:
        return Decision(False, 0.0, "busy", final=False)
    if moment.last_sent is not None and moment.now - moment.last_sent < settings.min_gap:
        return Decision(False, 0.0, "min-gap", final=False)
    if moment.returning:
        p, reason = P_MAX, "later-due"
    else:
        left = settings.daily_budget - moment.sent_today
        pace = left / (moment.points_left + 1)
        p, reason = clip(pace * learned_factor(moment)), "paced"
    return Decision(rng.random() < p, p, reason)
