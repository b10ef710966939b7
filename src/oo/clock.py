"""The current time. Core functions take `now` as a parameter; only entry points call this.

OO_NOW (an ISO-8601 time) fixes the clock for simulations and tests of whole commands.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from oo.errors import OOError


def now() -> datetime:
    fixed = os.environ.get("OO_NOW")
    if fixed:
        try:
            parsed = datetime.fromisoformat(fixed)
        except ValueError:
            raise OOError(f"OO_NOW is not an ISO-8601 time: {fixed!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        return parsed.astimezone(UTC)
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A UTC timestamp as stored in the database; sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
