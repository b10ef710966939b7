"""The daemon's state as other processes see it: running or not (the lock), since when,
next jobs and whether notifications work (`OO_HOME/daemon.json`, written by the daemon),
and the last notification (from the database).

Standard library only: `oo status` calls `summary()`. The file holds ids and times, never
a tip's text, so `oo forget` has nothing to find in it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from oo import paths

STATUS_NAME = "daemon.json"


def status_path() -> Path:
    return paths.home() / STATUS_NAME


def write(info: dict[str, Any]) -> None:
    """Replace the status file atomically (readers never see half of it)."""
    path = status_path()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_file() -> dict[str, Any]:
    try:
        data = json.loads(status_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def summary(conn: sqlite3.Connection | None = None) -> dict[str, Any]:
    """Running or not, since when, next jobs, notifications, and the last notification."""
    from oo.daemon.lock import held_by_other

    running = held_by_other()
    info = read_file()
    out: dict[str, Any] = {
        "running": running,
        "pid": info.get("pid") if running else None,
        "since": info.get("started_at") if running else None,
        "stopped_at": None if running else info.get("stopped_at"),
        "next_jobs": info.get("next_jobs", []) if running else [],
        "notifications": info.get("notifications", {"available": None, "detail": "unknown"}),
        "last_notification": None,
    }
    if not running and info.get("notifications", {}).get("available") is None:
        out["notifications"] = {"available": None, "detail": "unknown; the daemon is not running"}
    if conn is not None and _has_deliveries(conn):
        from oo.daemon.deliveries import last_notification

        out["last_notification"] = last_notification(conn)
    return out


def _has_deliveries(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
    ).fetchone()
    return row is not None


def lines(info: dict[str, Any]) -> list[str]:
    """The summary as lines for people (`oo daemon status`, `oo status`)."""
    out = []
    if info["running"]:
        out.append(f"Daemon:   running (pid {info['pid']}, since {info['since']})")
        for job in info["next_jobs"]:
            out.append(f"Next:     {job['id']} at {job['next_run']}")
    else:
        when = f" (stopped {info['stopped_at']})" if info.get("stopped_at") else ""
        out.append(f"Daemon:   not running{when}; start it with `oo daemon install`")
    notes = info["notifications"]
    if notes.get("available") is True:
        out.append("Notify:   notifications work")
    elif notes.get("available") is False:
        out.append(
            f"Notify:   notifications are unavailable ({notes.get('detail')});"
            " tips stay in `oo tip` and `oo watch`"
        )
    else:
        out.append(f"Notify:   {notes.get('detail', 'unknown')}")
    last = info.get("last_notification")
    if last:
        answer = last.get("outcome") or "no answer yet"
        out.append(f"Last:     {last['sent_at']}: {last.get('text') or last['tip_id']} ({answer})")
    return out
