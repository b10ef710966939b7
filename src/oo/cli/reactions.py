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


def react(
    reaction: str, *, tip_id: str | None = None, as_json: bool = False, when: str | None = None
) -> None:
    now = clock.now()
    until = parse_later("1h" if when is None else when, now) if reaction == "later" else None
    with open_store() as conn:
        _, following = recommender.react(conn, tip_id, reaction, now=now, later_until=until)
        if following is not None:
            # The next tip is printed now: it is shown now (an ignore of it then teaches).
            recommender.mark_shown(conn, following["id"], now)
            following = recommender.get(conn, following["id"])
    print_tip(following, as_json=as_json)
