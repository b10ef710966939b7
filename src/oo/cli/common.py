"""What command modules share: opening the store, the clock, and printing results."""

from __future__ import annotations

import json
import sqlite3
import sys

from oo import clock
from oo.engine.tips import tip_dict
from oo.store.db import open_store

TYPE_CHECKING = False  # typing itself costs ms on `oo done`
if TYPE_CHECKING:
    from typing import Any

NOTHING_TO_SUGGEST = "Nothing to suggest right now. Add a habit with `oo habit add NAME`."

store = open_store
now = clock.now


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None) + "\n")


def print_tip(row: sqlite3.Row | None, *, as_json: bool) -> None:
    if as_json:
        emit_json(None if row is None else tip_dict(row))
    else:
        print(NOTHING_TO_SUGGEST if row is None else row["text"])
