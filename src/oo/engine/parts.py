"""The parts of the day. Standard library only: `oo later tonight` parses with it."""

from __future__ import annotations

from datetime import datetime

# Part of the day by local hour: (first hour, name); night wraps past midnight.
PARTS = ((5, "morning"), (11, "midday"), (14, "afternoon"), (18, "evening"), (22, "night"))


def part_of_day(moment: datetime) -> str:
    hour = moment.astimezone().hour
    part = "night"
    for start, name in PARTS:
        if hour >= start:
            part = name
    return part
