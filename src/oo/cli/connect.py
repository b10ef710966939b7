"""`oo connect NAME [ARGUMENT] [--token-stdin] [--select ...]`: connect any installed source.

The connector brings its flow (token on stdin, OAuth in the browser, a path or URL), its
consent text and its freshness target; this command asks consent, runs the flow, pulls once
and saves, with no branch per source.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from oo.cli import common
from oo.cli.lazy import typer
from oo.errors import OOError

if TYPE_CHECKING:
    from oo.connectors.http import Recorder


def connect(  # noqa: PLR0917 (a typer command: its options are parameters)
    source: Annotated[
        str, typer.Argument(help="An installed source: todoist, calendar, caldav, or a plugin's.")
    ],
    argument: Annotated[
        str | None,
        typer.Argument(
            help="What the source needs: calendar an .ics file or its (secret) URL, caldav"
            " the server's URL (https://USER@host/...).",
            metavar="[PATH_OR_URL]",
        ),
    ] = None,
    token_stdin: Annotated[
        bool,
        typer.Option("--token-stdin", help="Read the token (Todoist API token) from stdin."),
    ] = False,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Which of the account's collections to use (caldav: a calendar's name);"
            " repeat for several.",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the browser.", min=1)
    ] = 300,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Agree to the consent text without asking.")
    ] = False,
) -> None:
    from oo.connectors import base

    connector = base.get(source)
    flow = connector.connect_flow
    if flow.argument is None and argument is not None:
        raise OOError(f"`oo connect {source}` takes no path or URL; see `oo connect --help`", 2)
    if flow.argument is not None and argument is None:
        raise OOError(
            f"give the {source} {flow.argument}: `oo connect {source} {flow.argument}`", 2
        )
    if token_stdin and flow.stdin == "never":
        raise OOError(f"`oo connect {source}` reads no token from stdin", 2)
    from oo import secrets
    from oo.connectors import http, sync
    from oo.store.install import install_id

    secrets.check()  # before a browser opens or a byte leaves
    now = common.now()
    setup = base.Setup(
        now=now,
        argument=argument,
        token_stdin=token_stdin,
        selections=tuple(select or ()),
        timeout=timeout,
    )
    recorder = http.Recorder(source=source, purpose="connect")
    with common.store() as conn:
        _ask_consent(conn, source, yes=yes, now=now)
        try:
            with http.client(recorder) as client:
                done = connector.connect(client, setup)
                state = base.State(now, done.account, done.secret, install=install_id(conn))
                pull = connector.pull(client, state)
        except base.ConnectorError:
            _record(conn, recorder, now)
            raise
        sync.connect(
            conn,
            source,
            done.account,
            done.secret,
            method=done.method,
            now=now,
            pull=pull,
            recorder=recorder,
        )
    what = "todo tips" if pull.candidates else "tips"
    print(
        f"Connected {source} ({done.account}): {len(pull.items)} items,"
        f" {len(pull.candidates)} {what}. The secret is in your OS keyring."
    )


def _ask_consent(conn: sqlite3.Connection, source: str, *, yes: bool, now: datetime) -> None:
    """Before anything is fetched: what will be read, kept and sent; a recorded yes or no.
    Only a terminal is asked: piped stdin may carry a secret, so it needs --yes."""
    from oo.privacy import consent

    if consent.has_consent(conn, source):
        return
    text = consent.text_for(source)
    print(f"{text.render()}\n", file=sys.stderr)
    if not yes:
        if not sys.stdin.isatty():
            raise OOError(
                f"connecting {source} needs your consent: read it above (or `oo consent show"
                f" {source}`), then run again with --yes",
                2,
            )
        if not typer.confirm(f"Connect {source} on these terms?", err=True):
            consent.record(conn, source, given=False, now=now)
            raise OOError(f"not connected: you did not agree; nothing was fetched from {source}")
    consent.record(conn, source, given=True, now=now)


def _record(conn: sqlite3.Connection, recorder: Recorder, now: datetime) -> None:
    """A failed connect still records what left the machine."""
    from oo.store.db import transaction

    if recorder.entries:
        with transaction(conn):
            recorder.flush(conn, now=now)
