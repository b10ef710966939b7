"""`oo forget [--yes]`: delete everything oO holds."""

from __future__ import annotations

import sys
from typing import Annotated

from oo import paths
from oo.cli import common
from oo.cli.lazy import typer
from oo.errors import OOError
from oo.text import sanitize


def forget(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Only this source: disconnect it and delete its history."),
    ] = None,
) -> None:
    if source is not None:
        _forget_source(source, yes)
        return
    if not yes:
        if not sys.stdin.isatty():
            raise OOError("forget deletes everything; pass --yes to confirm (not a terminal)", 2)
        typer.confirm(f"Delete everything oO holds in {paths.home()}?", abort=True)
    from oo.connectors.sync import forget_everything

    _wait_for_background()
    with common.store() as conn:
        result = forget_everything(conn, now=common.now(), adopt=_llm_key())
    for gone in result.disconnected:
        if gone.revoke_error:
            print(
                f"oo: warning: {gone.source}: could not revoke at the provider:"
                f" {sanitize(gone.revoke_error)}",
                file=sys.stderr,
            )
        elif gone.revoked:
            print(f"Revoked the {gone.source} credential at the provider.")
    if result.removed:
        names = ", ".join(sanitize(name) for name in result.removed)
        print(f"Removed {len(result.removed)} credentials from the OS keyring: {names}.")
    if result.keyring_error:
        print(
            f"oo: warning: credentials may remain in the OS keyring: {result.keyring_error}",
            file=sys.stderr,
        )
    total = sum(result.counts.values())
    if result.keyring_error:
        print(f"Deleted {total} records; the OS keyring could not be cleared.")
    else:
        print(f"Deleted {total} records. oO now holds nothing about you.")


def _wait_for_background() -> None:
    """Let a catch-up still learning from the last reaction finish first, so nothing it
    writes lands after the deletion (it then finds nothing to do)."""
    from oo.engine import catchup

    if not catchup.wait(60):
        raise OOError("oO is still busy in the background; try `oo forget` again", 1)


def _llm_key() -> tuple[tuple[str, str], ...]:
    """The configured LLM provider's key entry, so a key from before install ids goes too."""
    try:
        from oo.llm.settings import load

        settings = load()
    except Exception:  # a broken LLM config must not stop a forget
        return ()
    provider = getattr(settings, "provider", None)
    return (("llm", str(provider)),) if settings.enabled and provider else ()


def _forget_source(source: str, yes: bool) -> None:
    from oo.cli.disconnect import report
    from oo.connectors.sync import disconnect

    if not yes:
        if not sys.stdin.isatty():
            raise OOError(
                f"forget --source {source} deletes its history; pass --yes to confirm"
                " (not a terminal)",
                2,
            )
        typer.confirm(f"Disconnect {source} and delete everything oO holds from it?", abort=True)
    _wait_for_background()
    with common.store() as conn:
        result = disconnect(conn, source, now=common.now(), forget=True)
    total = sum(result.counts.values())
    if result.counts.get("sources", 0) or result.revoked or result.revoke_error:
        report(source, result.revoked, result.revoke_error, total)
    print(f"Forgot {source}: {total} records deleted, its history included.")
