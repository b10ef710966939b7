"""`oo tip`: the current tip (choosing one if needed; `oo.cli.fast` answers the usual case)."""

from __future__ import annotations

from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.engine import recommender


def tip(
    json: Annotated[bool, typer.Option("--json", help="Print the tip as JSON.")] = False,
) -> None:
    now = common.now()
    with common.store() as conn:
        row = recommender.recommend(conn, now, standby=False)
        if row is not None:
            recommender.mark_shown(conn, row["id"], now)
            row = recommender.get(conn, row["id"])
    common.print_tip(row, as_json=json)
    if row is not None:
        from oo.engine import catchup

        catchup.start()  # the standby, drawn where no one waits
