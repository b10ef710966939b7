"""A tip as every surface shows it. Standard library only: `oo tip` uses it on its fast path."""

from __future__ import annotations

from oo.text import sanitize

TYPE_CHECKING = False  # typing itself costs 2 ms on the fast path
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

TIP_COLUMNS = (
    "id, text, kind, category, source, source_ref, library_id, decided_at, shown_at, expires_at,"
    " status, reacted_at, later_until, policy, propensity,"
    " model_alias, model, run_id, prompt_version, signal"
)
PROVENANCE = ("model_alias", "model", "run_id", "prompt_version", "signal")


class Reaction:
    """One row of the table of reactions (a plain class: dataclasses cost ms on `oo tip`)."""

    __slots__ = ("button", "event", "key", "name", "reward", "status", "timing")

    def __init__(
        self,
        name: str,
        status: str,
        *,
        reward: float,
        timing: str,
        key: str | None,
        button: str | None,
        event: str,
    ) -> None:
        self.name = name  # what a person types (`oo done`), or the word for no reaction
        self.status = status  # stored in `tips.status` (the CHECK constraint lists them)
        self.reward = reward  # what the policy learns from it, 0..1
        self.timing = timing  # what it does to when tips come back (docs/engine.md)
        self.key = key  # its key on the watch face
        self.button = button  # its button on a notification
        self.event = event  # its value of `oo.events.v1.Reaction`


# The one table of reactions. Everything else derives from it or is checked against it
# (tests/test_loop_reactions.py): the CHECK constraint, the proto enum, the watch face's
# keys, the notification's buttons and the names the LLM context uses.
TABLE = (
    Reaction(
        "done",
        "done",
        reward=1.0,
        timing="settles it today; a habit is checked in",
        key="d",
        button="Done",
        event="REACTION_DONE",
    ),
    Reaction(
        "useful",
        "useful",
        reward=0.8,
        timing="not again before the next part of the day",
        key="u",
        button=None,
        event="REACTION_USEFUL",
    ),
    Reaction(
        "later",
        "later",
        reward=0.4,
        timing="the same tip comes back at the time asked",
        key="l",
        button="Later",
        event="REACTION_LATER",
    ),
    Reaction(
        "dismiss",
        "dismissed",
        reward=0.0,
        timing="a library tip stays away 14 days; a habit, task or moment tip today",
        key="x",
        button="Dismiss",
        event="REACTION_DISMISS",
    ),
    Reaction(
        "ignored",
        "ignored",
        reward=0.1,
        timing="none: what a shown tip becomes on expiry",
        key=None,
        button=None,
        event="REACTION_IGNORED",
    ),
)
# What a person can type or press: name -> status (`ignored` is what no reaction becomes).
REACTIONS = {r.name: r.status for r in TABLE if r.key is not None}
BY_STATUS = {r.status: r for r in TABLE}


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
        "provenance": provenance(row),
    }


def provenance(row: sqlite3.Row) -> dict[str, Any] | None:
    """Where a generated tip came from (model, run, prompt, signal); None for other tips."""
    if row["source"] != "llm":
        return None
    keys = row.keys()
    return {k: row[k] if k in keys else None for k in PROVENANCE}


def to_json(row: sqlite3.Row) -> str:
    import json  # only `--json` pays for it

    return json.dumps(tip_dict(row), ensure_ascii=False)
