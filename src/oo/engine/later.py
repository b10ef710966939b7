"""When a tip put off with `oo later` comes back."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from oo.engine.parts import PARTS
from oo.errors import OOError

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
MAX_LATER = timedelta(days=30)
TONIGHT_HOUR = 20
MORNING_HOUR = 9
NIGHT_ENDS_HOUR = PARTS[0][0]  # the first hour of the morning


def parse_later(text: str, now: datetime) -> datetime:
    """`1h`, `30m`, `2h30m`, `1d`, `tonight` or `tomorrow`, local time.

    `tonight` is 20:00 today (an error from 20:00 on: say a duration or `tomorrow`).
    `tomorrow` is 09:00 of the next morning: the next calendar day, or today when it is
    still night (before 05:00), since a person up at 01:00 means the coming morning.
    """
    word = text.strip().lower()
    local = now.astimezone()
    if word == "tonight":
        tonight = local.replace(hour=TONIGHT_HOUR, minute=0, second=0, microsecond=0)
        if tonight <= local:
            raise OOError("it is already evening; use a duration like 1h, or tomorrow", 2)
        return tonight
    if word == "tomorrow":
        next_day = local if local.hour < NIGHT_ENDS_HOUR else local + timedelta(days=1)
        return next_day.replace(hour=MORNING_HOUR, minute=0, second=0, microsecond=0)
    match = _DURATION.match(word)
    if not word or match is None:
        raise OOError(
            f"cannot read {text!r} as a time: use 1h, 30m, 2h30m, 1d, tonight or tomorrow", 2
        )
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    total_minutes = (days * 24 + hours) * 60 + minutes  # a Python int: never overflows
    if total_minutes <= 0:
        raise OOError("`later` needs a time in the future", 2)
    if total_minutes > MAX_LATER // timedelta(minutes=1):
        raise OOError("`later` reaches at most 30 days ahead", 2)
    return now + timedelta(minutes=total_minutes)
