"""`oo tip` stays fast: none of the heavy modules load on its path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import OO, run_oo

HEAVY = {
    "litellm",
    "sklearn",
    "numpy",
    "textual",
    "authlib",
    "keyring",
    "apscheduler",
    "desktop_notifier",
    "httpx",
    "httpx2",
    "sqlite_utils",
    "typer",
    "click",
    "rich",
    "pydantic",
    "google.protobuf",
}


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
    loaded = {m for m in modules if m.split(".")[0] in HEAVY or m.startswith("google.protobuf")}
    assert loaded == set()


def test_tip_json_imports_nothing_heavy(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    modules = imported_by("tip", "--json")
    assert {m for m in modules if m.split(".")[0] in HEAVY} == set()


def test_version_imports_nothing_heavy(oo_home: Path) -> None:
    modules = imported_by("--version")
    loaded = {m for m in modules if m.split(".")[0] in HEAVY or m.startswith("google.protobuf")}
    assert loaded == set()
    assert "oo.engine.recommender" not in modules


def test_plain_reactions_skip_typer_and_never_load_scikit_learn(oo_home: Path) -> None:
    assert run_oo("tip").returncode == 0
    modules = imported_by("done")
    assert "oo.engine.recommender" in modules  # the reaction really ran
    assert {m.split(".")[0] for m in modules} & {"typer", "pydantic", "sklearn", "litellm"} == set()
