"""A tip as every surface shows it. Standard library only: `oo tip` uses it on its fast path."""

from __future__ import annotations

from oo.text import sanitize

TYPE_CHECKING = False  # typing itself costs 2 ms on the fast path
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

TIP_COLUMNS = (
    "id, text, kind, category, source, library_id, decided_at, shown_at, expires_at,"
    " status, reacted_at, later_until, policy, propensity"
)

REACTIONS = {"done": "done", "useful": "useful", "later": "later", "dismiss": "dismissed"}


def tip_dict(row: sqlite3.Row) -> dict[str, Any]:
    """The public shape of a tip (`oo tip --json`, `oo history --json`, export)."""
    return {
        "id": row["id"],
        "text": sanitize(row["text"]),
        "kind": row["kind"],
        "category": row["category"],
        "source": row["source"],
        "library_id": row["library_id"],
        "decided_at": row["decided_at"],
        "shown_at": row["shown_at"],
        "expires_at": row["expires_at"],
        "status": row["status"],
        "reacted_at": row["reacted_at"],
        "later_until": row["later_until"],
        "policy": row["policy"],
        "propensity": row["propensity"],
    }


def to_json(row: sqlite3.Row) -> str:
    import json  # only `--json` pays for it

    return json.dumps(tip_dict(row), ensure_ascii=False)
