"""`oo done | useful | later [WHEN] | dismiss`: react to the current tip."""

from __future__ import annotations

from typing import Annotated

import typer

from oo.cli.reactions import react

TipOption = Annotated[
    str | None, typer.Option("--tip", help="React to this tip id instead of the current one.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the next tip as JSON.")]


def done(tip: TipOption = None, json: JsonOption = False) -> None:
    react("done", tip_id=tip, as_json=json)


def useful(tip: TipOption = None, json: JsonOption = False) -> None:
    react("useful", tip_id=tip, as_json=json)


def dismiss(tip: TipOption = None, json: JsonOption = False) -> None:
    react("dismiss", tip_id=tip, as_json=json)


def later(
    when: Annotated[str, typer.Argument(help="1h, 30m, 2h30m, 1d, tonight or tomorrow.")] = "1h",
    tip: TipOption = None,
    json: JsonOption = False,
) -> None:
    react("later", tip_id=tip, as_json=json, when=when)
