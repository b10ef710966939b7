"""`python -m oo.daemon.child refresh`: refresh candidates in a short-lived process.

The refresh may load scikit-learn (TF-IDF dedup); running it here keeps the resident
daemon small. The time comes from OO_NOW, set by the daemon from its clock.
"""

from __future__ import annotations

import sys

from oo import clock
from oo.store.db import open_store


def main(argv: list[str]) -> int:
    if argv != ["refresh"]:
        print("usage: python -m oo.daemon.child refresh", file=sys.stderr)
        return 2
    from oo.engine import candidates  # type: ignore[attr-defined,unused-ignore]

    conn = open_store()
    try:
        candidates.refresh(conn, clock.now())
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
