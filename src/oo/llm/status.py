"""The generator's state for `oo status`: its alias and model, last run, last error.

Reads configuration and the event log only; never loads litellm or the keyring.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from oo.clock import iso
from oo.llm.ledger import SOURCE
from oo.llm.settings import load as load_settings
from oo.store import events


def _run_dict(event: events.StoredEvent) -> dict[str, Any]:
    body = event.event.generation_run
    return {
        "time": iso(event.time),
        "model": body.model,
        "accepted": body.accepted,
        "rejected": body.rejected,
        "rejected_reasons": dict(sorted(body.rejected_reasons.items())),
        "error": body.error or None,
        "trial": body.trial,
        "duration_ms": body.duration_ms,
    }


def summary(conn: sqlite3.Connection) -> dict[str, Any]:
    settings = load_settings()
    last_run: dict[str, Any] | None = None
    last_error: dict[str, Any] | None = None
    for event in events.read(conn, type="generation_run", source=SOURCE):
        run = _run_dict(event)
        last_run = run
        if run["error"]:
            last_error = run
    candidates = conn.execute(
        "SELECT COUNT(*) FROM candidates WHERE source = ? AND done_at IS NULL", (SOURCE,)
    ).fetchone()[0]
    return {
        "alias": settings.alias,
        "model": settings.model if settings.enabled else None,
        "enabled": settings.enabled,
        "host": settings.host if settings.enabled else None,
        "local": settings.local,
        "context_mode": settings.context_mode,
        "candidates": candidates,
        "last_run": last_run,
        "last_error": last_error,
    }


def describe(info: dict[str, Any]) -> list[str]:
    """Plain lines for people."""
    if not info["enabled"]:
        return [
            "off: no model configured; oO uses its built-in tips (oo config set"
            " llm.tip-generator MODEL)"
        ]
    where = "this machine" if info["local"] else info["host"]
    lines = [
        f"{info['alias']} -> {info['model']} on {where}, {info['context_mode']} context,"
        f" {info['candidates']} tips waiting"
    ]
    run = info["last_run"]
    if run is None:
        lines.append("last run: never")
    elif run["error"]:
        lines.append(f"last run: {run['time']} failed: {run['error']}")
    else:
        kind = "test" if run["trial"] else "run"
        reasons = ", ".join(f"{n} {r}" for r, n in run["rejected_reasons"].items())
        lines.append(
            f"last {kind}: {run['time']}, {run['accepted']} tips kept, {run['rejected']} dropped"
            + (f" ({reasons})" if reasons else "")
        )
    error = info["last_error"]
    if error is not None and error is not run:
        lines.append(f"last error: {error['time']}: {error['error']}")
    return lines


def privacy_summary(conn: sqlite3.Connection) -> dict[str, Any]:
    """The LLM endpoint and the mode its prompts are built in (local, redacted or full)."""
    info = summary(conn)
    return {
        "configured": info["enabled"],
        "alias": info["alias"],
        "model": info["model"],
        "api_base_host": info["host"],
        "local": info["local"],
        "mode": info["context_mode"] if info["enabled"] else "off",
    }
