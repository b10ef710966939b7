"""The current time. Core functions take `now` as a parameter; only entry points call this.

OO_NOW (an ISO-8601 time) fixes the clock for simulations and tests of whole commands.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from oo.errors import OOError

# OO_NOW must fall in this range: far enough from datetime's limits that adding a tip's
# lifetime, a month of `later` or a week of calendar look-ahead never overflows.
EARLIEST = datetime(1971, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def now() -> datetime:
    fixed = os.environ.get("OO_NOW")
    if fixed:
        return _fixed(fixed)
    return datetime.now(UTC)


def _fixed(text: str) -> datetime:
    problem = f"OO_NOW must be an ISO-8601 time between {EARLIEST.year} and {LATEST.year}"
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        moment = parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        raise OOError(f"{problem}, not {text!r}", 2) from None
    if not EARLIEST <= moment < LATEST:
        raise OOError(f"{problem}, not {text!r}", 2)
    return moment


def iso(moment: datetime) -> str:
    """A UTC timestamp as stored in the database; sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
