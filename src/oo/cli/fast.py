"""`oo tip` when a tip is already chosen: the standard library's sqlite3 and nothing heavy.

Returns None when the slow path must answer (no database yet, an older schema, no current
tip, or it expired), so the full command line chooses and stores a new tip.
"""

from __future__ import annotations

import sqlite3
import sys

from oo import clock, paths
from oo.engine.tips import REACTIONS, TIP_COLUMNS, tip_dict, to_json
from oo.errors import OOError
from oo.store import db


def tip(*, as_json: bool) -> int | None:
    path = paths.db_path()
    try:
        conn = db.open_existing(path)
        if conn is None:
            return None
        with conn:
            now = clock.now()
            row = conn.execute(
                f"SELECT {TIP_COLUMNS} FROM tips WHERE status = 'current' AND expires_at > ?",
                (clock.iso(now),),
            ).fetchone()
            if row is None:
                return None
            if row["shown_at"] is None:
                conn.execute(
                    "UPDATE tips SET shown_at = ? WHERE id = ? AND shown_at IS NULL",
                    (clock.iso(now), row["id"]),
                )
                row = conn.execute(
                    f"SELECT {TIP_COLUMNS} FROM tips WHERE id = ?", (row["id"],)
                ).fetchone()
    except (sqlite3.Error, OOError, OSError):
        return None  # the slow path reports the problem in one line
    finally:
        if "conn" in locals() and conn is not None:
            conn.close()
    sys.stdout.write((to_json(row) if as_json else tip_dict(row)["text"]) + "\n")
    return 0


def plain_reaction(argv: list[str]) -> dict[str, object] | None:
    """The arguments of a plain reaction (`done`, `later 2h --json`, ...) for
    `oo.cli.reactions.react`, or None for the full command line (help, --tip, anything else).
    Plain reactions skip typer: its option parsing alone costs ~80 ms (it loads pydantic)."""
    if not argv or argv[0] not in REACTIONS:
        return None
    rest = [a for a in argv[1:] if a != "--json"]
    if argv[0] == "later" and len(rest) <= 1 and not any(a.startswith("-") for a in rest):
        return {"reaction": "later", "as_json": "--json" in argv, "when": rest[0] if rest else None}
    if rest:
        return None
    return {"reaction": argv[0], "as_json": "--json" in argv}
