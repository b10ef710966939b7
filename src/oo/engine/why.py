"""Why a tip was chosen: what the chooser recorded when it decided (standard library only)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from oo.errors import OOError


def explain(conn: sqlite3.Connection, tip_id: str) -> dict[str, Any]:
    """The tip's recorded `why` (score, reasons, candidates) with its propensity and policy."""
    row = conn.execute(
        "SELECT why, propensity, policy FROM tips WHERE id = ?", (tip_id,)
    ).fetchone()
    if row is None:
        raise OOError(f"no tip with id {tip_id!r} in this database")
    try:
        recorded = json.loads(row["why"] or "{}")
    except ValueError:
        recorded = {}
    why: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    why.setdefault("reasons", [])
    why["propensity"] = row["propensity"]
    why["policy"] = row["policy"]
    return why
