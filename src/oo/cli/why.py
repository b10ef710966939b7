"""`oo why [--json]`: why this tip — the signals used and each term's contribution."""

from __future__ import annotations

from typing import Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.engine import why as why_mod


def why(
    json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    tip: Annotated[
        str | None, typer.Option("--tip", help="Explain this tip id instead of the current one.")
    ] = None,
) -> None:
    with common.store() as conn:
        info = why_mod.explain(conn, tip)
    if json:
        common.emit_json(info)
    else:
        print(why_mod.render(info))
