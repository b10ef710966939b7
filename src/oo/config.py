"""oO's settings: a small TOML file, `OO_HOME/config.toml`, read with the standard library.

Every setting has a default in the code that reads it, so the file is optional:

    [notify]
    quiet_hours = "22:00-08:00"
    daily_budget = 3

Modules read with `get(section, key, default)`; this module only reads.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from oo import paths
from oo.errors import OOError

CONFIG_NAME = "config.toml"

T = TypeVar("T")


def config_path() -> Path:
    return paths.home() / CONFIG_NAME


def load() -> dict[str, Any]:
    """The whole file as a dict; an empty dict when there is none."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise OOError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OOError(f"{path} is not valid TOML ({exc}); fix or remove it") from None


def section(name: str) -> dict[str, Any]:
    value = load().get(name, {})
    if not isinstance(value, dict):
        raise OOError(f"[{name}] in {config_path()} must be a table")
    return value


def get(section_name: str, key: str, default: T) -> T:
    """One setting, or `default` when it is not set. The value must have the default's type."""
    value = section(section_name).get(key, default)
    if default is not None and not isinstance(value, type(default)):
        expected = type(default).__name__
        raise OOError(f"{section_name}.{key} in {config_path()} must be a {expected}")
    if isinstance(default, int) and isinstance(value, bool) and not isinstance(default, bool):
        raise OOError(f"{section_name}.{key} in {config_path()} must be a number")
    return value  # type: ignore[no-any-return]
