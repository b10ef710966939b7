"""`oo config set | get | list | unset`: the settings in config.toml (never secrets)."""

from __future__ import annotations

from typing import Annotated

import typer

from oo import config
from oo.cli import common

app = typer.Typer(
    name="config",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

Key = Annotated[str, typer.Argument(help="A setting, like llm.tip-generator.", show_default=False)]


@app.command("set")
def set_(key: Key, value: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Change a setting."""
    stored = config.set_value(key, value)
    print(f"{key} = {stored}")


@app.command()
def get(key: Key) -> None:
    """Print one setting's value."""
    section, name, _ = config.split_key(key)
    print(config.get(section, name))


@app.command("list")
def list_(json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every setting, its value and whether it is the default."""
    values = config.effective()
    raw = config.load()
    rows = []
    for dotted, value in values.items():
        section, name = dotted.split(".", 1)
        is_set = isinstance(raw.get(section), dict) and name in raw[section]
        rows.append(
            {"key": dotted, "value": value, "set": is_set, "help": config.KEYS[dotted].help}
        )
    if json:
        common.emit_json(rows)
        return
    for row in rows:
        origin = "" if row["set"] else "  (default)"
        print(f"{row['key']} = {row['value']}{origin}")


@app.command()
def unset(key: Key) -> None:
    """Go back to a setting's default."""
    changed = config.unset(key)
    print(f"{key} reset to its default" if changed else f"{key} was not set")
