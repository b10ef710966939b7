"""`oo watch`: the full-screen watch face.

`main` is the fast path `oo watch` takes without building the typer command line (its first
paint is timed); `watch` is the same command as registered for `oo watch --help`.
"""

from __future__ import annotations

import sys

from oo.errors import OOError


def watch() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OOError("`oo watch` needs a terminal; use `oo tip` in scripts", 2)
    from oo.store.db import open_store
    from oo.tui.app import WatchApp  # textual loads only for this command

    conn = open_store()
    try:
        app = WatchApp(conn)
        app.run(mouse=False)  # the terminal keeps its own text selection
    finally:
        conn.close()
    if app.failure is not None:
        error = app.failure
        raise OOError(
            f"the watch face stopped on an unexpected error ({type(error).__name__}: {error});"
            " OO_DEBUG=1 shows more",
            70,
        )


def main() -> int:
    """Run `oo watch`; every error is one line on stderr and a non-zero exit code."""
    from oo.cli.guard import guarded

    return guarded(watch)
