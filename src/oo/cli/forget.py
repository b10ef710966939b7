"""`oo forget [--yes]`: delete everything oO holds."""

from __future__ import annotations

import sys
from typing import Annotated

from oo import paths
from oo.cli import common
from oo.cli.lazy import typer
from oo.errors import OOError
from oo.privacy.forget import forget_all


def forget(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Only this source: disconnect it and delete its history."),
    ] = None,
) -> None:
    if source is not None:
        _forget_source(source, yes)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise OOError("forget deletes everything; pass --yes to confirm (not a terminal)", 2)
        typer.confirm(f"Delete everything oO holds in {paths.home()}?", abort=True)
    with common.store() as conn:
        counts = forget_all(conn, now=common.now())
    total = sum(counts.values())
    print(f"Deleted {total} records. oO now holds nothing about you.")


def _forget_source(source: str, yes: bool) -> None:
    from oo.cli.disconnect import report
    from oo.connectors.sync import disconnect

    if not yes:
        if not sys.stdin.isatty():
            raise OOError(
                f"forget --source {source} deletes its history; pass --yes to confirm"
                " (not a terminal)",
                2,
            )
        typer.confirm(f"Disconnect {source} and delete everything oO holds from it?", abort=True)
    with common.store() as conn:
        result = disconnect(conn, source, now=common.now(), forget=True)
    total = sum(result.counts.values())
    if result.counts.get("sources", 0) or result.revoked or result.revoke_error:
        report(source, result.revoked, result.revoke_error, total)
    print(f"Forgot {source}: {total} records deleted, its history included.")
