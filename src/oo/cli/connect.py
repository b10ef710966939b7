"""`oo connect todoist [--token-stdin]` and `oo connect calendar PATH_OR_URL`."""

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


def connect(
    source: Annotated[str, typer.Argument(help="todoist or calendar.")],
    location: Annotated[
        str | None, typer.Argument(help="For calendar: an .ics file or its (secret) URL.")
    ] = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read a Todoist personal API token from stdin.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the browser.", min=1)
    ] = 300,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Agree to the consent text without asking.")
    ] = False,
) -> None:
    from oo.connectors import base

    if source not in base.names():
        raise OOError(f"no source named {source!r}; known sources: {', '.join(base.names())}", 2)
    from oo import secrets
    from oo.connectors import http, sync

    secrets.check()  # before a browser opens or a byte leaves
    now = common.now()
    recorder = http.Recorder(source=source, purpose="connect")
    with common.store() as conn:
        _ask_consent(conn, source, yes=yes, stdin_busy=token_stdin, now=now)
        if source == "calendar":
            from oo.connectors import calendar

            if location is None:
                raise OOError("give the calendar: `oo connect calendar PATH_OR_URL`", 2)
            account, secret = calendar.secret_for(location)
            method = "url" if "url" in secret else "file"
            connector = calendar.CalendarConnector()
            try:
                with http.client(recorder) as client:
                    pull = connector.pull(client, base.State(now, account, secret))
            except base.ConnectorError:
                _record(conn, recorder, now)
                raise
        elif source == "todoist":
            from oo.connectors import todoist

            if location is not None:
                raise OOError("`oo connect todoist` takes no path; see `oo connect --help`", 2)
            try:
                with http.client(recorder) as client:
                    if token_stdin:
                        if sys.stdin.isatty():
                            print("Paste your Todoist API token, then Enter:", file=sys.stderr)
                        secret = todoist.personal_token(sys.stdin.readline())
                        method = "personal_token"
                    else:
                        secret = todoist.authorize(client, timeout=timeout)
                        method = "oauth"
                    account = todoist.account_of(client, secret)
                    pull = todoist.TodoistConnector().pull(client, base.State(now, account, secret))
            except base.ConnectorError:
                _record(conn, recorder, now)
                raise
        else:
            raise OOError(f"`oo connect {source}` is not supported by this command", 2)
        sync.connect(
            conn, source, account, secret, method=method, now=now, pull=pull, recorder=recorder
        )
    what = "todo tips" if pull.candidates else "tips"
    print(
        f"Connected {source} ({account}): {len(pull.items)} items,"
        f" {len(pull.candidates)} {what}. The secret is in your OS keyring."
    )


def _ask_consent(
    conn: sqlite3.Connection, source: str, *, yes: bool, stdin_busy: bool, now: datetime
) -> None:
    """Before anything is fetched: what will be read, kept and sent; a recorded yes or no."""
    from oo.privacy import consent

    if consent.has_consent(conn, source):
        return
    text = consent.text_for(source)
    print(f"{text.render()}\n", file=sys.stderr)
    if not yes:
        if stdin_busy or not sys.stdin.isatty():
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
