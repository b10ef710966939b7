"""`oo history`: the tips you have seen and what you did with them."""

from __future__ import annotations

from typing import Annotated

from oo import clock
from oo.cli import common
from oo.cli.lazy import typer
from oo.engine.tips import TIP_COLUMNS, tip_dict
from oo.errors import OOError
from oo.text import sanitize

MAX_LIMIT = 1_000_000


def history(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many tips, newest first.")] = 20,
    json: Annotated[bool, typer.Option("--json", help="Print JSON Lines.")] = False,
) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise OOError(f"--limit takes a whole number from 1 to {MAX_LIMIT}", 2)
    with common.store() as conn:
        rows = conn.execute(
            f"SELECT {TIP_COLUMNS} FROM tips WHERE status != 'standby'"  # not yet a tip
            " ORDER BY decided_at DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()
    for row in rows:
        if json:
            common.emit_json(tip_dict(row))
        else:
            when = clock.parse_iso(row["decided_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
            made = f"  (written by {row['model']}, run {row['run_id']})" if row["model"] else ""
            print(f"{when}  {row['status']:<9}  {sanitize(row['text'])}{made}")
