"""The direct route (`oo.cli.direct`) answers the plain forms of the everyday commands exactly
as typer's command line does, and leaves everything else to typer."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oo.cli import direct
from oo.cli.runner import _LazyCommands
from tests.conftest import run_oo

PLAIN = [
    ["mood", "3"],
    ["mood", "4", "--note", "slept well"],
    ["mood", "--note", "tired", "2"],
    ["habit", "done", "stretch"],
    ["habit", "list"],
    ["habit", "list", "--json"],
    ["history"],
    ["history", "-n", "5"],
    ["history", "--json", "--limit", "2"],
    ["why"],
    ["why", "--json", "--tip", "01ABC"],
    ["status"],
    ["status", "--json"],
]

NOT_PLAIN = [
    ["mood"],
    ["mood", "3", "4"],
    ["mood", "--help"],
    ["mood", "3", "--note"],
    ["mood", "3", "--note=x"],
    ["habit", "done"],
    ["habit", "add", "x"],
    ["history", "-n", "x"],
    ["history", "-n", "-1"],
    ["history", "--json", "--json"],
    ["status", "--bogus"],
    ["status", "extra"],
    ["tip"],
]


def typer_params(argv: list[str]) -> dict[str, Any]:
    """The keyword arguments typer's command line would call the command with."""
    command = _LazyCommands()[argv[0]]
    args = argv[1:]
    if args and args[0] in getattr(command, "commands", {}):
        command, args = command.commands[args[0]], args[1:]
    with command.make_context(argv[0], list(args)) as ctx:
        return dict(ctx.params)


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_plain_forms_parse_as_typer_parses_them(argv: list[str]) -> None:
    parsed = direct.parse(argv)
    assert parsed is not None
    words, kwargs = parsed
    command = _LazyCommands()[words[0]]
    callback = command.callback if len(words) == 1 else command.commands[words[1]].callback
    defaults = {
        name: p.default
        for name, p in inspect.signature(callback).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    assert {**defaults, **kwargs} == typer_params(argv)


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=" ".join)
def test_everything_else_goes_to_typer(argv: list[str]) -> None:
    assert direct.route(argv) is None


def through_typer(*argv: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from oo.cli.runner import run; sys.exit(run(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "argv", [["habit", "list"], ["habit", "list", "--json"], ["habit", "done", "stretch"]]
)
def test_habit_answers_as_the_habit_group_does(oo_home: Path, argv: list[str]) -> None:
    assert run_oo("habit", "add", "stretch").returncode == 0
    assert run_oo("habit", "add", "read").returncode == 0
    assert run_oo("tip").returncode == 0
    fast = run_oo(*argv)
    if argv[1] == "done":  # undo the check-in, so typer's route checks off the same habit
        assert run_oo("habit", "rm", "stretch").returncode == 0
        assert run_oo("habit", "add", "stretch").returncode == 0
    slow = through_typer(*argv)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, "")
    assert fast.stdout.strip()


def test_a_bad_value_gets_typers_message(oo_home: Path) -> None:
    result = run_oo("history", "-n", "x")
    assert result.returncode == 2
    assert result.stderr == "oo: Invalid value for '--limit' / '-n': 'x' is not a valid int.\n"
