"""`oo disconnect SOURCE`: revoke, delete the keyring entry and everything derived."""

from __future__ import annotations

import sys
from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer


def disconnect(
    source: Annotated[str, typer.Argument(help="A connected source (see `oo status`).")],
) -> None:
    from oo.connectors.sync import disconnect as run

    with common.store() as conn:
        result = run(conn, source, now=common.now())
    report(result.source, result.revoked, result.revoke_error, sum(result.counts.values()))


def report(source: str, revoked: bool, revoke_error: str | None, deleted: int) -> None:
    if revoke_error:
        print(
            f"oo: warning: {source}: could not revoke at the provider: {revoke_error}",
            file=sys.stderr,
        )
    how = "revoked and removed from the keyring" if revoked else "removed from the keyring"
    print(f"Disconnected {source}: credential {how}; {deleted} records deleted.")
