"""`oo done | useful | later [WHEN] | dismiss`: react to the current tip."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from oo.cli import common
from oo.engine import recommender
from oo.engine.later import parse_later

TipOption = Annotated[
    str | None, typer.Option("--tip", help="React to this tip id instead of the current one.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the next tip as JSON.")]


def _react(reaction: str, tip_id: str | None, as_json: bool, until: datetime | None = None) -> None:
    with common.store() as conn:
        _, following = recommender.react(
            conn, tip_id, reaction, now=common.now(), later_until=until
        )
    common.print_tip(following, as_json=as_json)


def done(tip: TipOption = None, json: JsonOption = False) -> None:
    """You did it: record that and show the next tip."""
    _react("done", tip, json)


def useful(tip: TipOption = None, json: JsonOption = False) -> None:
    """The tip helped: record that and show the next tip."""
    _react("useful", tip, json)


def dismiss(tip: TipOption = None, json: JsonOption = False) -> None:
    """Not for you: record that and show the next tip."""
    _react("dismiss", tip, json)


def later(
    when: Annotated[str, typer.Argument(help="1h, 30m, 2h30m, 1d, tonight or tomorrow.")] = "1h",
    tip: TipOption = None,
    json: JsonOption = False,
) -> None:
    """Bring the tip back later: 1h (default), 30m, 2h30m, 1d, tonight or tomorrow."""
    now = common.now()
    _react("later", tip, json, parse_later(when, now))
