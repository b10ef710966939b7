"""How fresh each source is against its target, for `oo status` and the daemon.

Standard library only: `oo status` and the daemon's scheduler read it without loading any
connector.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from oo.clock import parse_iso
from oo.text import sanitize

RECONNECT = "reconnect needed"


def describe(row: sqlite3.Row | dict[str, Any], now: datetime) -> dict[str, Any]:
    """One source's state: ok, stale, error, reconnect needed or never synced."""
    source = dict(row)
    target = int(source["freshness_target_s"])
    last = source.get("last_success")
    age = None if last is None else max(0, int((now - parse_iso(last)).total_seconds()))
    error = source.get("last_error")
    if error and error.startswith(RECONNECT):
        state = RECONNECT
    elif error:
        state = "error"
    elif age is None:
        state = "never synced"
    elif age > target:
        state = "stale"
    else:
        state = "ok"
    return {
        **source,
        "state": state,
        "age_s": age,
        "fresh": age is not None and age <= target and not error,
    }


def due(conn: sqlite3.Connection, now: datetime) -> list[str]:
    """Sources to pull now: older than their target, and not waiting for a reconnect."""
    names = []
    for row in conn.execute("SELECT * FROM sources ORDER BY name"):
        info = describe(row, now)
        if info["state"] != RECONNECT and not info["fresh"]:
            names.append(str(row["name"]))
    return names


def _span(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def line(info: dict[str, Any]) -> str:
    """`todoist (me@example.com): ok, synced 3 min ago (target 15 min)` and the like."""
    who = sanitize(info.get("account") or "") or "no account"
    target = _span(int(info["freshness_target_s"]))
    synced = "never synced" if info["age_s"] is None else f"synced {_span(info['age_s'])} ago"
    state = info["state"]
    text = f"{info['name']} ({who}): {state}, {synced} (target {target})"
    if info.get("last_error") and state != "never synced":
        detail = info["last_error"]
        if state == RECONNECT:
            detail = detail[len(RECONNECT) :].lstrip(": ")
        text += f"; last error: {sanitize(detail)}"
    return text
