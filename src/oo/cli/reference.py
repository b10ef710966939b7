"""The command-line reference (docs/cli.md), rendered from the commands' own `--help`.

`scripts/gen-cli-doc` writes it; CI and tests/test_docs.py check that it is current.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main  # noqa: TID253 - this module only renders the reference

from oo.cli.runner import app

WIDTH = 88
HEADER = """# Command-line reference

Every `oo` command and its options, as `oo COMMAND --help` prints them. Generated from the
commands' own help by `scripts/gen-cli-doc`; do not edit by hand (CI checks it is current).
"""


def _pages(command: Any, ctx: Any) -> Iterator[tuple[str, str]]:
    yield ctx.command_path, command.get_help(ctx).rstrip()
    if hasattr(command, "list_commands"):  # a group (typer vendors click's classes)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
            yield from _pages(sub, sub_ctx)


def render() -> str:
    root = typer.main.get_command(app)
    ctx = root.make_context(
        "oo", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH
    )
    parts = [HEADER]
    for path, text in _pages(root, ctx):
        parts.append(f"## {path}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)
