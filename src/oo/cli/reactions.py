"""Reacting to a tip, shared by `oo done | useful | later | dismiss` with and without typer.

`oo done` is what a person types most after `oo tip`, so `oo.cli.main` runs the plain forms
through here directly: typer's option parsing alone costs ~80 ms (it loads pydantic). When
the standby (the next tip, drawn in advance) is good, the reaction is recorded and the
standby shown without the engine, and learning follows in the background
(`oo.engine.catchup`); otherwise the engine answers in this process.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from oo import clock
from oo.cli.common import print_tip
from oo.engine import current
from oo.engine.later import parse_later
from oo.engine.tips import REACTIONS
from oo.errors import OOError
from oo.store import db


def react(
    reaction: str, *, tip_id: str | None = None, as_json: bool = False, when: str | None = None
) -> None:
    now = clock.now()
    until = parse_later("1h" if when is None else when, now) if reaction == "later" else None
    if tip_id is None:
        following = _at_once(reaction, now, until)
        if following is not None:
            print_tip(following, as_json=as_json)
            from oo.engine import catchup

            catchup.start()
            return
    from oo.engine import catchup, recommender

    with db.open_store() as conn:
        _, following = recommender.react(
            conn, tip_id, reaction, now=now, later_until=until, standby=False
        )
        if following is not None:
            # The next tip is printed now: it is shown now (an ignore of it then teaches).
            current.mark_shown(conn, following["id"], now)
            following = current.get(conn, following["id"])
    print_tip(following, as_json=as_json)
    if following is not None:
        catchup.start()  # the next standby, drawn where no one waits


def _at_once(reaction: str, now: datetime, until: datetime | None) -> sqlite3.Row | None:
    """The reaction recorded and the standby made current and shown; None, with nothing
    written, when the engine must answer (see `oo.engine.current.react_at_once`)."""
    status = REACTIONS.get(reaction)
    if status is None:
        return None  # the engine's error message
    try:
        conn = db.open_existing()
        if conn is None:
            return None
        try:
            with db.transaction(conn):
                following = current.react_at_once(conn, status, now=now, later_until=until)
                if following is None:
                    return None
                current.mark_shown(conn, following["id"], now)
                return current.get(conn, following["id"])
        finally:
            conn.close()
    except (sqlite3.Error, OOError, OSError):
        return None  # the engine's path reports the problem in one line
