"""`oo daemon run | install | uninstall | status`."""

from __future__ import annotations

from typing import Annotated

import typer

from oo.cli import common

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def run() -> None:
    """Run the daemon in the foreground (what the installed service runs)."""
    from oo.daemon.service import run as run_daemon

    run_daemon()


@app.command()
def install(
    no_start: Annotated[
        bool, typer.Option("--no-start", help="Write the files only; do not enable the service.")
    ] = False,
) -> None:
    """Install and enable a per-user service for this OS; prints what it wrote."""
    from oo.daemon import install as installer

    the_plan = installer.plan()
    enabled = installer.install(the_plan, enable=not no_start)
    for path in the_plan.files:
        print(f"wrote {path}")
    if enabled:
        print("enabled and started the oO daemon; it starts at login from now on")
    for note in the_plan.notes:
        print(f"note: {note}")


@app.command()
def uninstall() -> None:
    """Stop the per-user service and remove its files."""
    from oo.daemon import install as installer

    the_plan = installer.plan()
    removed = installer.uninstall(the_plan)
    for path in removed:
        print(f"removed {path}")
    if not removed:
        print("the oO daemon was not installed for this user")


@app.command()
def status(json: JsonOption = False) -> None:
    """Running or not, since when, the next jobs and the last notification."""
    from oo.daemon.status import lines, summary

    with common.store() as conn:
        info = summary(conn)
    if json:
        common.emit_json(info)
        return
    for line in lines(info):
        print(line)
