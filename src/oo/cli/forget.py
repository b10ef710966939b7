"""`oo forget [--yes]`: delete everything oO holds."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oo import paths
from oo.cli import common
from oo.errors import OOError
from oo.privacy.forget import forget_all


def forget(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Delete everything oO holds: signals, habits, tips, history and logs."""
    if not yes:
        if not sys.stdin.isatty():
            raise OOError("forget deletes everything; pass --yes to confirm (not a terminal)", 2)
        typer.confirm(f"Delete everything oO holds in {paths.home()}?", abort=True)
    with common.store() as conn:
        counts = forget_all(conn, now=common.now())
    total = sum(counts.values())
    print(f"Deleted {total} records. oO now holds nothing about you.")
