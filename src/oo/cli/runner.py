"""The full command line: a click group that imports a command's module only when it runs,
and turns every error into one line on stderr and a non-zero exit code."""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
import traceback
from typing import Any

import click
import typer
import typer.main

from oo import __version__, paths
from oo.cli.registry import COMMANDS
from oo.errors import OOError


def _load(name: str) -> click.Command:
    target, help_text = COMMANDS[name]
    module_name, attr = target.split(":")
    obj = getattr(importlib.import_module(module_name), attr)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_command(obj)
    else:
        app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        app.command(name, help=obj.__doc__ or help_text)(obj)
        command = typer.main.get_command(app)
    command.name = name
    command.help = command.help or help_text
    return command


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return _load(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"oo {__version__}")
        ctx.exit()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="oO: one tip, at the moment it helps most. Your data stays on this machine.",
)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version)
def cli() -> None:
    pass


def _fail(message: str, code: int) -> int:
    if os.environ.get("OO_DEBUG"):
        traceback.print_exc()
    print(f"oo: {message}", file=sys.stderr)
    return code


def run(argv: list[str]) -> int:
    try:
        result: Any = cli.main(args=argv, prog_name="oo", standalone_mode=False)
    except OOError as exc:
        return _fail(str(exc), exc.exit_code)
    except click.ClickException as exc:
        return _fail(exc.format_message().replace("\n", " "), exc.exit_code)
    except click.exceptions.Abort:
        return _fail("aborted; nothing was changed", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except sqlite3.Error as exc:
        return _fail(_db_message(exc), 1)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", 1)
    except Exception as exc:
        return _fail(f"unexpected error ({type(exc).__name__}: {exc}); OO_DEBUG=1 shows more", 70)
    return result if isinstance(result, int) else 0


def _db_message(exc: sqlite3.Error) -> str:
    from oo.store.db import describe_error

    return describe_error(exc, paths.db_path())
