"""`oo export [--out FILE]`: everything oO holds, as JSON Lines."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.privacy.export import lines


def export(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to FILE (0600) instead of stdout.")
    ] = None,
) -> None:
    with common.store() as conn:
        rows = list(lines(conn, now=common.now()))
    text = "\n".join(rows) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    tmp = out.with_name(f".{out.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(out)
    print(f"Exported {len(rows) - 1} records to {out}", file=sys.stderr)
