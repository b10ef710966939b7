"""The full command line: a typer group that imports a command's module only when it runs,
and turns every error into one line on stderr and a non-zero exit code."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

import typer
import typer.core
import typer.main

from oo import __version__
from oo.cli.guard import fail, guarded
from oo.cli.registry import COMMANDS


def _plain(app: typer.Typer) -> typer.Typer:
    """One help style: click's plain format for every group and subgroup, never rich boxes."""
    app.rich_markup_mode = None
    app.pretty_exceptions_enable = False
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _plain(group.typer_instance)
    return app


def _load(name: str) -> Any:
    """The command `name`, its help text taken from the registry (the one source)."""
    target, help_text = COMMANDS[name]
    module_name, attr = target.split(":")
    obj = getattr(importlib.import_module(module_name), attr)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_command(_plain(obj))
        command.help = help_text
    else:
        app = _plain(typer.Typer(add_completion=False))
        app.command(name, help=help_text)(obj)
        command = typer.main.get_command(app)
    command.name = name
    return command


def short_help(text: str) -> str:
    """The first sentence of a command's help, for the list in `oo --help`."""
    first, _, _ = text.partition(". ")
    return first.rstrip(".") + "."


class _LazyCommands(Mapping[str, Any]):
    """The registry seen as the group's commands: a module is imported on first lookup."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = _load(name)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyGroup(typer.core.TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands()  # type: ignore[assignment]

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help(text)) for name, (_, text) in COMMANDS.items()])


app = typer.Typer(
    cls=LazyGroup,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"oo {__version__}")
        raise typer.Exit()


@app.callback()
def oo(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """oO: one tip, at the moment it helps most. Your data stays on this machine."""


def run(argv: list[str]) -> int:
    return guarded(lambda: _invoke(argv))


def _invoke(argv: list[str]) -> int:
    try:
        command = typer.main.get_command(app)
        result: Any = command.main(args=argv, prog_name="oo", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, as vendored by typer
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:  # type: ignore[attr-defined]
            print(exc.ctx.get_help())  # type: ignore[attr-defined]
            return 0
        message = exc.format_message().replace("\n", " ")
        return fail(message, getattr(exc, "exit_code", 2))
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return fail("aborted; nothing was changed", 1)
    return result if isinstance(result, int) else 0
