"""The docs say what the code does: docs/cli.md is the commands' own `--help`, the README's
short command block names only real commands and options, and every setting is documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from oo import config
from oo.cli.reference import render
from oo.cli.registry import COMMANDS
from tests.conftest import run_oo

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
CLI_DOC = (ROOT / "docs" / "cli.md").read_text()


def readme_command_block() -> str:
    return README.split("## Commands\n\n```\n", 1)[1].split("```", 1)[0]


def test_the_cli_reference_is_the_commands_own_help() -> None:
    assert render() == CLI_DOC, "docs/cli.md is out of date: run scripts/gen-cli-doc"


def test_the_check_in_ci_fails_on_a_stale_reference(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    (copy / "docs").mkdir(parents=True)
    (copy / "scripts").mkdir()
    (copy / "scripts" / "gen-cli-doc").write_bytes((ROOT / "scripts" / "gen-cli-doc").read_bytes())
    (copy / "scripts" / "gen-cli-doc").chmod(0o755)
    (copy / "docs" / "cli.md").write_text(CLI_DOC.replace("Show the current tip.", "Old."))
    env = {"PYTHON": str(ROOT / ".venv" / "bin" / "python"), "PATH": "/usr/bin:/bin"}
    stale = subprocess.run(
        [copy / "scripts" / "gen-cli-doc", "--check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stale.returncode == 1
    assert "out of date" in stale.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_its_page_in_the_reference(command: str) -> None:
    assert f"\n## oo {command}\n" in CLI_DOC


@pytest.mark.parametrize("group", ["config", "daemon", "llm", "policy", "habit"])
def test_every_group_draws_its_help_in_the_one_plain_style(group: str) -> None:
    result = run_oo(group, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"Usage: oo {group} [OPTIONS] COMMAND [ARGS]...")
    assert not set(result.stdout) & set("╭╮╰╯─│")  # no rich boxes


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_commands_help_is_its_registry_text(command: str) -> None:
    assert f"\n\n  {COMMANDS[command][1][:40]}" in CLI_DOC.split(f"\n## oo {command}\n", 1)[1]


def test_the_readme_links_the_reference_and_its_block_names_real_commands() -> None:
    assert "(docs/cli.md)" in README
    block = readme_command_block()
    for line in block.splitlines():
        first, *others = re.findall(r"(?:^oo |\| )([a-z]+)", line)
        assert first in COMMANDS, line
        for word in others:  # another command, or a subcommand of the first
            assert f"## oo {word}\n" in CLI_DOC or f"## oo {first} {word}\n" in CLI_DOC, line
        for option in re.findall(r"--[a-z-]+", line):
            assert option in CLI_DOC, line


@pytest.mark.parametrize("key", sorted(config.KEYS))
def test_every_setting_is_in_the_readme_with_its_default(key: str) -> None:
    assert f"| `{key}` | `{config.KEYS[key].default}` |" in README
