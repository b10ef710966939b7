"""`oo habit add | done | list | rm`."""

from __future__ import annotations

from typing import Annotated

import typer

from oo.cli import common, direct
from oo.engine import recommender
from oo.store import signals

app = typer.Typer(
    name="habit",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Name = Annotated[str, typer.Argument(help="The habit's name.", show_default=False, metavar="NAME")]


@app.command()
def add(
    name: Name,
    every: Annotated[str, typer.Option("--every", help="day, weekdays or Nx/week.")] = "day",
) -> None:
    """Add a habit."""
    with common.store() as conn:
        habit = signals.add_habit(conn, name, every, now=common.now())
    print(f"Added habit {habit.name!r} (every {habit.every}).")


@app.command()
def done(name: Name) -> None:
    """Check off a habit for today."""
    direct.habit_done(name)


@app.command("list")
def list_(json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List habits and whether each is due."""
    direct.habit_list(as_json=json)


@app.command()
def rm(name: Name) -> None:
    """Remove a habit and its check-ins."""
    now = common.now()
    with common.store() as conn:
        habit_id = signals.remove_habit(conn, name, now=now)
        recommender.settle_habit(conn, habit_id, done=False, now=now)
    print(f"Removed habit {name.strip()!r}.")
