"""`oo watch`: the full-screen watch face."""

from __future__ import annotations

import sys

from oo.cli import common
from oo.errors import OOError


def watch() -> None:
    """The full-screen watch face: the current tip on a black screen; q quits."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OOError("`oo watch` needs a terminal; use `oo tip` in scripts", 2)
    from oo.tui.app import WatchApp  # textual loads only for this command

    conn = common.store()
    try:
        WatchApp(conn).run()
    finally:
        conn.close()
