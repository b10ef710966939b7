"""`oo mood 1..5 [--note TEXT]`: record how you feel."""

from __future__ import annotations

from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.store import signals


def mood(
    score: Annotated[
        str, typer.Argument(help="1 (low) to 5 (high).", show_default=False, metavar="SCORE")
    ],
    note: Annotated[str | None, typer.Option("--note", help="A short note, kept locally.")] = None,
) -> None:
    value = signals.parse_score(score)
    with common.store() as conn:
        signals.record_mood(conn, value, note, now=common.now())
    print(f"Mood {value}/5 recorded.")
