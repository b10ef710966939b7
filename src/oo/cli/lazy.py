"""typer, imported when it is first used rather than when a command module is imported.

Command modules write `from oo.cli.lazy import typer` and name typer only in their
signatures' annotations (strings, under `from __future__ import annotations`). Importing such
a module costs nothing of typer; typer loads when the runner builds the command line and reads
those annotations. So `oo.cli.direct` can call a command's function for the plain forms of the
everyday commands without paying for typer (ADR 0070). Standard library only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oo.lazy import deferred

if TYPE_CHECKING:
    import typer
else:
    typer = deferred("typer")

__all__ = ["typer"]
