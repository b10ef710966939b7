"""`oo llm test | run | key set | key rm`: the optional LLM tip generator."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Any

import typer

from oo.cli import common
from oo.clock import parse_iso
from oo.errors import OOError
from oo.llm import keys
from oo.llm import run as runner
from oo.llm.settings import load as load_settings
from oo.store.install import install_id

app = typer.Typer(
    name="llm",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
key_app = typer.Typer(
    name="key",
    help="API keys for LLM providers, kept in the OS keyring.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(key_app)

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Provider = Annotated[str, typer.Argument(help="openai, anthropic, ...", show_default=False)]


def _report(summary: dict[str, Any], *, title: str) -> None:
    if summary.get("error") and not summary.get("model"):
        raise OOError(summary["error"])
    where = summary["host"]
    head = f"{title}: {summary['alias']} -> {summary['model']} at {where}"
    print(f"{head} ({summary['context_mode']} context)")
    if summary.get("requests") is not None:
        print(
            f"Sent {summary['requests']} requests, {summary['bytes_out']} B out,"
            f" {summary['bytes_in']} B in, in {summary.get('duration_ms', 0) / 1000:.1f} s"
        )
    if summary.get("error"):
        raise OOError(summary["error"])
    rejected = summary["rejected"]
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(rejected.items())) or "none"
    print(f"Tips: {summary['accepted']} kept of {summary['offered']}; dropped: {dropped}")
    for tip in summary["tips"]:
        about = ""
        if tip.get("signal"):
            until = parse_iso(tip["valid_until"]).astimezone()
            about = f", {tip['signal']}, until {until:%H:%M}"
        print(f"  - [{tip['kind']}/{tip['category']}{about}] {tip['text']}")


@app.command()
def test(json: Json = False) -> None:
    """Reach the model and generate one sample (the tips are shown, not stored)."""
    if not load_settings().enabled:
        raise OOError(
            "no model is configured; set one with `oo config set llm.tip-generator MODEL`"
        )
    summary = runner.generate(trial=True)
    if json:
        common.emit_json(summary)
        if summary.get("error"):
            raise typer.Exit(1)
        return
    _report(summary, title="Reachable" if not summary.get("error") else "Tried")


@app.command()
def run(json: Json = False) -> None:
    """Generate tips now and add them to the candidates."""
    if not load_settings().enabled:
        raise OOError(
            "no model is configured; set one with `oo config set llm.tip-generator MODEL`"
        )
    summary = runner.generate()
    if json:
        common.emit_json(summary)
        if summary.get("error"):
            raise typer.Exit(1)
        return
    _report(summary, title="Generated")


@app.command("consent")
def consent_command(
    full: Annotated[
        bool, typer.Option("--full", help="Consent to free text too, not only derived signals.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Agree without asking.")] = False,
) -> None:
    """Agree to what a non-local model may receive: derived signals, or with --full, text."""
    from oo.privacy import consent

    subject = "llm:full" if full else "llm:redacted"
    text = consent.text_for(subject)
    print(f"{text.render()}\n", file=sys.stderr)
    if not yes:
        if not sys.stdin.isatty():
            raise OOError(f"{subject} needs your consent: run again with --yes to agree", 2)
        typer.confirm(f"Agree to {subject} on these terms?", abort=True, err=True)
    with common.store() as conn:
        consent.record(conn, subject, given=True, now=common.now())
    print(f"Consent for {subject} recorded; withdraw with `oo consent withdraw {subject}`.")


@key_app.command("set")
def key_set(provider: Provider) -> None:
    """Store a provider's API key, read from standard input, in the OS keyring."""
    if sys.stdin.isatty():
        secret = getpass.getpass(f"API key for {provider}: ")
    else:
        secret = sys.stdin.readline()
    with common.store() as conn:
        keys.set_key(provider, secret, install=install_id(conn))
    print(f"Stored the {provider} key in the OS keyring (oo, {keys.username(provider)}).")


@key_app.command("rm")
def key_rm(provider: Provider) -> None:
    """Remove a provider's API key from the OS keyring."""
    with common.store() as conn:
        removed = keys.delete_key(provider, install=install_id(conn))
    print(f"Removed the {provider} key." if removed else f"No {provider} key was stored.")
