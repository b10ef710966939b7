"""The README documents every command and every setting a person can use."""

from __future__ import annotations

from pathlib import Path

import pytest

from oo import config
from oo.cli.registry import COMMANDS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"oo {command}" in README


@pytest.mark.parametrize("key", sorted(config.KEYS))
def test_every_setting_is_in_the_readme_with_its_default(key: str) -> None:
    assert f"| `{key}` | `{config.KEYS[key].default}` |" in README
