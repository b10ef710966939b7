"""`oo sync [SOURCE] [--json]`: pull now."""

from __future__ import annotations

import sys
from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.errors import OOError


def sync(
    source: Annotated[
        str | None, typer.Argument(help="One source; all connected if absent.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    from oo.connectors import sync as runner
    from oo.connectors.freshness import RECONNECT, describe

    now = common.now()
    with common.store() as conn:
        if source is None:
            rows = list(conn.execute("SELECT * FROM sources ORDER BY name"))
            if not rows:
                raise OOError(
                    "no source is connected; run `oo connect todoist` or"
                    " `oo connect calendar PATH_OR_URL`"
                )
            # A source waiting for a reconnect is not retried in a loop; name it to try once.
            names = [r["name"] for r in rows if describe(r, now)["state"] != RECONNECT]
            skipped = [r["name"] for r in rows if r["name"] not in names]
        else:
            names, skipped = [source], []
        results = [runner.sync(conn, name, now=now) for name in names]
    if json:
        common.emit_json(
            {"results": [r.to_dict() for r in results], "skipped_reconnect_needed": skipped}
        )
    else:
        for r in results:
            if r.ok:
                print(
                    f"{r.source}: {r.items} items, {r.candidates} todo tips"
                    f" ({r.duration_ms / 1000:.1f} s)"
                )
        for name in skipped:
            print(f"oo: {name}: {RECONNECT}; run `oo connect {name}`", file=sys.stderr)
    failed = [r for r in results if not r.ok]
    if failed:
        if not json:
            for r in failed:
                print(f"oo: {r.source}: {r.error}", file=sys.stderr)
        raise typer.Exit(1)
