"""Reacting to a tip, shared by `oo done | useful | later | dismiss` with and without typer.

`oo done` is what a person types most after `oo tip`, so `oo.cli.main` runs the plain forms
through here directly: typer's option parsing alone costs ~80 ms (it loads pydantic).
"""

from __future__ import annotations

from oo import clock
from oo.cli.common import print_tip
from oo.engine import recommender
from oo.engine.later import parse_later
from oo.store.db import open_store

REACTIONS = ("done", "useful", "later", "dismiss")


def react(
    reaction: str, *, tip_id: str | None = None, as_json: bool = False, when: str | None = None
) -> None:
    now = clock.now()
    until = parse_later(when or "1h", now) if reaction == "later" else None
    with open_store() as conn:
        _, following = recommender.react(conn, tip_id, reaction, now=now, later_until=until)
    print_tip(following, as_json=as_json)


def plain(argv: list[str]) -> dict[str, object] | None:
    """The arguments of a plain reaction (`done`, `later 2h --json`, ...), or None for the
    full command line (help, --tip, anything unusual)."""
    if not argv or argv[0] not in REACTIONS:
        return None
    rest = [a for a in argv[1:] if a != "--json"]
    if argv[0] == "later" and len(rest) <= 1 and not any(a.startswith("-") for a in rest):
        return {"reaction": "later", "as_json": "--json" in argv, "when": rest[0] if rest else None}
    if rest:
        return None
    return {"reaction": argv[0], "as_json": "--json" in argv}
