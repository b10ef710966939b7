"""`python -m oo.daemon.child refresh|recommend|standby|react TIP REACTION`: short-lived work.

Everything that may load numpy or scikit-learn runs here, so the resident daemon stays small:
- `refresh`: refresh candidates (it may load scikit-learn for TF-IDF dedup);
- `recommend`: expire the current tip when its time is over and choose the next one (the
  learning policy loads numpy);
- `standby`: learn what is not learned yet and draw the standby when there is none (a new
  signal dropped it), so the next reaction shows it at once;
- `react TIP REACTION`: a notification button press, recorded as `oo done|later|dismiss`
  would, the policy learning from it. Exit 3 when it no longer applies (answered elsewhere).

The time comes from OO_NOW, set by the daemon from its clock. Errors are one line on stderr,
which is the daemon's log: ids and reasons, never tip text.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime

from oo import clock
from oo.errors import OOError
from oo.store.db import open_store, transaction

USAGE = "usage: python -m oo.daemon.child refresh | recommend | standby | react TIP_ID REACTION"
NOT_APPLIED = 3


def _in_store(work: Callable[[sqlite3.Connection, datetime], object]) -> int:
    conn = open_store()
    try:
        work(conn, clock.now())
    finally:
        conn.close()
    return 0


def _refresh() -> int:
    from oo.engine import candidates  # type: ignore[attr-defined,unused-ignore]

    return _in_store(candidates.refresh)


def _recommend() -> int:
    from oo.engine import recommender

    return _in_store(recommender.recommend)


def _standby() -> int:
    from oo.engine import recommender

    return _in_store(recommender.catch_up)


def _react(tip_id: str, reaction: str) -> int:
    from oo.daemon import deliveries
    from oo.engine import recommender
    from oo.engine.later import parse_later

    now = clock.now()
    until = parse_later("1h", now) if reaction == "later" else None
    conn = open_store()
    try:
        recommender.react(conn, tip_id, reaction, now=now, later_until=until)
        with transaction(conn):  # the notification's outcome, as the press is recorded
            deliveries.settle_outcomes(conn, now)
    except OOError as exc:
        print(f"oo.daemon: button {reaction} for tip {tip_id} not recorded: {exc}", file=sys.stderr)
        return NOT_APPLIED
    finally:
        conn.close()
    return 0


def main(argv: list[str]) -> int:
    if argv == ["refresh"]:
        return _refresh()
    if argv == ["recommend"]:
        return _recommend()
    if argv == ["standby"]:
        return _standby()
    if len(argv) == 3 and argv[0] == "react":
        return _react(argv[1], argv[2])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
