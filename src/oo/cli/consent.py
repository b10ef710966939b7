"""`oo consent show|withdraw SUBJECT`: read a consent text, or withdraw a consent."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oo.cli import common
from oo.privacy import consent

app = typer.Typer(
    name="consent",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Subject = Annotated[
    str,
    typer.Argument(
        help="An installed source (todoist, calendar, caldav, a plugin's) or an LLM mode"
        " (llm:redacted, llm:full).",
        metavar="SUBJECT",
        show_default=False,
    ),
]


@app.command()
def show(subject: Subject) -> None:
    """Show the consent text for a source or LLM mode, and your current answer."""
    text = consent.text_for(subject)
    print(f"{subject} (consent text v{text.version})\n{text.render()}")
    with common.store() as conn:
        answer = consent.latest(conn, subject)
    if answer is None:
        print("\nYour answer: not asked yet.")
    else:
        state = "given" if answer.current else ("outdated" if answer.given else "withdrawn")
        print(f"\nYour answer: {state} on {answer.time.astimezone():%Y-%m-%d %H:%M}.")


@app.command()
def withdraw(subject: Subject) -> None:
    """Withdraw consent: oO stops using the source at once and keeps nothing derived."""
    text = consent.text_for(subject)
    now = common.now()
    with common.store() as conn:
        consent.record(conn, subject, given=False, now=now)
        connected = conn.execute("SELECT 1 FROM sources WHERE name = ?", (text.source,))
        if text.source != "llm" and connected.fetchone() is not None:
            from oo.connectors import sync

            result = sync.disconnect(conn, text.source, now=now)
            removed = sum(result.counts.values())
            if result.revoke_error:
                print(
                    f"oo: revocation at {text.source} failed: {result.revoke_error}",
                    file=sys.stderr,
                )
        else:
            removed = consent.stop_using(conn, text.source, now=now)
    print(f"Consent for {subject} withdrawn; {removed} derived records deleted.")
