"""`oo tip`, the reactions and the everyday commands stay fast: none of the heavy modules
(`oo.heavy.HEAVY`, the one list) load on their paths."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from oo.heavy import HEAVY, heavy_loaded
from tests.conftest import OO, run_oo, settle


def imported_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", OO, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_tip_with_a_chosen_tip_imports_nothing_heavy(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0  # choose and store the tip first
    modules = imported_by("tip")
    assert "sqlite3" in modules  # the path really ran
    assert heavy_loaded(modules) == set()


def test_tip_json_imports_nothing_heavy(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    modules = imported_by("tip", "--json")
    assert heavy_loaded(modules) == set()


def test_version_imports_nothing_heavy(oo_home: Path) -> None:
    modules = imported_by("--version")
    assert heavy_loaded(modules) == set()
    assert "oo.engine.recommender" not in modules


@pytest.mark.parametrize("argv", [["done"], ["useful", "--json"], ["later", "2h"], ["dismiss"]])
def test_plain_reactions_show_the_standby_without_the_engine(
    oo_home: Path, argv: list[str]
) -> None:
    assert run_oo("tip").returncode == 0  # the tip and its standby
    modules = imported_by(*argv)
    settle()
    assert "oo.engine.current" in modules  # the reaction really ran
    assert "oo.engine.recommender" not in modules  # learning follows in the background
    # A reaction is logged (protobuf); nothing else heavy, not even numpy.
    assert heavy_loaded(modules, allowed={"google.protobuf"}) == set()


def test_a_reaction_without_a_standby_asks_the_engine_and_never_loads_scikit_learn(
    oo_home: Path,
) -> None:
    assert run_oo("tip").returncode == 0
    assert run_oo("mood", "2").returncode == 0  # a new signal drops the standby
    modules = imported_by("done")
    settle()
    assert "oo.engine.recommender" in modules
    # It is logged (protobuf) and teaches the policy (numpy); nothing else heavy.
    assert heavy_loaded(modules, allowed={"google.protobuf", "numpy"}) == set()


# The event log's protobuf is the one heavy module a write (or the status page) needs;
# checking off the habit the current tip nudges for is a reaction, which teaches the policy.
WRITE = {"google.protobuf"}


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["mood", "3", "--note", "fine"], WRITE),
        (["habit", "done", "stretch"], WRITE | {"numpy"}),
        (["habit", "list", "--json"], WRITE),
        (["history", "-n", "5"], set()),
        (["why", "--json"], set()),
        (["status"], WRITE),
    ],
)
def test_everyday_commands_skip_typer(oo_home: Path, argv: list[str], allowed: set[str]) -> None:
    assert run_oo("habit", "add", "stretch").returncode == 0
    assert run_oo("tip").returncode == 0
    modules = imported_by(*argv)
    assert "oo.store.db" in modules  # the command really opened the store
    assert heavy_loaded(modules, allowed=allowed) == set()


def test_everyday_help_still_comes_from_typer(oo_home: Path) -> None:
    modules = imported_by("mood", "--help")
    assert "typer.main" in modules


def test_ruff_bans_at_module_level_only_modules_on_the_one_heavy_list() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    tidy = pyproject["tool"]["ruff"]["lint"]["flake8-tidy-imports"]
    assert set(tidy["banned-module-level-imports"]) <= set(HEAVY)
