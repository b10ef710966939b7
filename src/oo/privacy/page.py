"""The privacy page: what oO holds per source, who consented to what, what left the machine."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from oo import paths
from oo.clock import iso
from oo.privacy import consent, egress
from oo.store import events


def _stored(conn: sqlite3.Connection, source: str) -> dict[str, Any]:
    """Counts, approximate bytes and the oldest record derived from one source."""
    counts: dict[str, int] = {}
    size = 0
    oldest: list[str] = []
    for table, time_col, size_expr in (
        ("events", "time", "length(payload)"),
        ("items", "updated_at", "length(item_id) + length(labels)"),
        ("candidates", "created_at", "length(text) + length(features)"),
        ("tips", "decided_at", "length(text)"),
        ("egress", "time", "length(host) + length(fields)"),
    ):
        row = conn.execute(
            f"SELECT COUNT(*), COALESCE(SUM({size_expr}), 0), MIN({time_col}) FROM {table}"
            " WHERE source = ?",
            (source,),
        ).fetchone()
        counts[table] = int(row[0])
        size += int(row[1])
        if row[2]:
            oldest.append(row[2])
    return {"counts": counts, "bytes": size, "oldest": min(oldest) if oldest else None}


def _first_party(conn: sqlite3.Connection) -> dict[str, Any]:
    counts = {
        t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
        for t in ("moods", "habits", "habit_checkins")
    }
    row = conn.execute("SELECT MIN(time), COALESCE(SUM(length(note)), 0) FROM moods").fetchone()
    return {"counts": counts, "oldest": row[0], "note_bytes": int(row[1])}


def last_forget(conn: sqlite3.Connection) -> dict[str, Any] | None:
    found = list(events.read(conn, type="data_deleted", newest=1))
    if not found:
        return None
    body = found[0].to_dict()["body"]
    return {"time": iso(found[0].time), "scope": body.get("scope"), "counts": body.get("counts")}


def collect(
    conn: sqlite3.Connection,
    *,
    now: datetime,
    llm: dict[str, Any],
    installed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The page. `installed` maps each installed source to its own privacy description, and
    `llm` is `oo.llm.status.privacy_summary`: the caller asks the connectors and the LLM
    runner, because privacy sits below both in the layers. Connected sources whose connector
    is gone are listed too."""
    installed = installed or {}
    connected = {row["name"]: dict(row) for row in conn.execute("SELECT * FROM sources")}
    consents = {c.subject: c for c in consent.all_latest(conn, extra=connected)}
    names = sorted(set(installed) | set(connected))
    sources = []
    for name in names:
        row = connected.get(name)
        answer = consents.get(name)
        sources.append(
            {
                "name": name,
                "installed": name in installed,
                "description": installed.get(name),
                "connected": row is not None,
                "account": row["account"] if row else None,
                "consent": answer.to_dict() if answer else None,
                "stored": _stored(conn, name),
            }
        )
    return {
        "generated_at": iso(now),
        "data_dir": str(paths.home()),
        "sources": sources,
        "first_party": _first_party(conn),
        "llm": llm,
        "llm_consents": [
            consents[s].to_dict() for s in ("llm:redacted", "llm:full") if s in consents
        ],
        "egress": egress.summary(conn),
        "last_forget": last_forget(conn),
    }
