"""The parts of the day. Standard library only: `oo later tonight` parses with it."""

from __future__ import annotations

from datetime import datetime, timedelta

# Part of the day by local hour: (first hour, name); night wraps past midnight.
PARTS = ((5, "morning"), (11, "midday"), (14, "afternoon"), (18, "evening"), (22, "night"))


NAMES = tuple(name for _, name in PARTS)


def part_at(hour: float) -> str:
    """The part of the day at a local hour (0-24)."""
    part = "night"
    for start, name in PARTS:
        if hour >= start:
            part = name
    return part


def part_of_day(moment: datetime) -> str:
    return part_at(moment.astimezone().hour)


def part_ends(now: datetime) -> datetime:
    """The local time at which the current part of the day ends (the next one begins)."""
    local = now.astimezone()
    for start, _ in PARTS:
        edge = local.replace(hour=start, minute=0, second=0, microsecond=0)
        if edge > local:
            return edge
    tomorrow = local + timedelta(days=1)
    return tomorrow.replace(hour=PARTS[0][0], minute=0, second=0, microsecond=0)


def part_starts(now: datetime) -> datetime:
    """The local time at which the current part of the day began."""
    local = now.astimezone()
    starts = [start for start, _ in PARTS if start <= local.hour]
    if starts:
        return local.replace(hour=starts[-1], minute=0, second=0, microsecond=0)
    last = PARTS[-1][0]  # before the first part: the night began yesterday
    return (local - timedelta(days=1)).replace(hour=last, minute=0, second=0, microsecond=0)
