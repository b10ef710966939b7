"""`oo privacy [--json]` and `oo privacy ledger [--since 7d] [--json]`."""

from __future__ import annotations

import re
import textwrap
from datetime import timedelta
from typing import Annotated, Any

import typer

from oo import clock
from oo.cli import common
from oo.errors import OOError
from oo.privacy import page

app = typer.Typer(
    name="privacy",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    invoke_without_command=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.callback()
def privacy(ctx: typer.Context, json: JsonOption = False) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from oo.connectors.base import privacy_descriptions
    from oo.llm import status

    installed = privacy_descriptions()
    with common.store() as conn:
        info = page.collect(
            conn, now=common.now(), installed=installed, llm=status.privacy_summary(conn)
        )
    if json:
        common.emit_json(info)
        return
    _print_page(info)


def _print_page(info: dict[str, Any]) -> None:
    print(f"oO privacy, {info['data_dir']}")
    first = info["first_party"]["counts"]
    print(
        f"\nYou told oO: {first['moods']} moods, {first['habits']} habits,"
        f" {first['habit_checkins']} check-ins (kept on this machine only)"
    )
    print("\nSources")
    for s in info["sources"]:
        state = f"connected as {s['account'] or 'unnamed'}" if s["connected"] else "not connected"
        c = s["consent"]
        if c is None:
            agreed = "no consent asked yet"
        elif c["current"]:
            agreed = f"consent given {c['time'][:10]} (text v{c['text_version']})"
        elif c["given"]:
            agreed = "consent text changed since you agreed: will ask again"
        else:
            agreed = f"consent withdrawn {c['time'][:10]}"
        stored = s["stored"]
        held = ", ".join(f"{n} {k}" for k, n in stored["counts"].items() if n) or "nothing"
        oldest = f", oldest {stored['oldest'][:10]}" if stored["oldest"] else ""
        print(f"  {s['name']:<9} {state}; {agreed}")
        print(f"            holds {held} (~{stored['bytes']} bytes{oldest})")
        if s["description"]:
            pad = " " * 12
            text = s["description"]
            if not s["connected"]:
                text = f"Once connected: {text[:1].lower()}{text[1:]}"
            print(textwrap.fill(text, 92, initial_indent=pad, subsequent_indent=pad))
        elif not s["installed"]:
            print("            its connector is no longer installed")
    llm = info["llm"]
    print("\nLLM")
    if llm["configured"]:
        print(f"  {llm['alias']}: {llm['model']} at {llm['api_base_host']}, mode {llm['mode']}")
    else:
        print("  none configured: tips come from the built-in library and rules")
    print("\nWhat left this machine")
    if not info["egress"]:
        print("  nothing")
    for e in info["egress"]:
        tried = f"; {e['attempts']} attempts sent nothing" if e["attempts"] else ""
        print(
            f"  {e['host']} ({e['purpose']}): {e['requests']} requests, {e['bytes_out']} B out,"
            f" {e['bytes_in']} B in{tried}, last {e['last'][:16]}"
        )
    forget = info["last_forget"]
    print("\nLast forget")
    if forget is None:
        print("  never")
    else:
        total = sum(int(n) for n in (forget["counts"] or {}).values())
        print(f"  {forget['time'][:16]}: {forget['scope']}, {total} records deleted")


_SINCE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    match = _SINCE.match(text.strip().lower())
    if match is None:
        raise OOError(f"--since takes a duration like 30m, 12h, 7d or 2w, not {text!r}", 2)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@app.command()
def ledger(
    since: Annotated[str, typer.Option("--since", help="How far back: 30m, 12h, 7d, 2w.")] = "7d",
    json: JsonOption = False,
) -> None:
    """Every outbound request: when, host, purpose, bytes, and which fields were sent."""
    window = parse_since(since)
    now = common.now()
    with common.store() as conn:
        rows = [
            dict(r)
            for r in conn.execute(
                "SELECT time, host, purpose, source, method, status, bytes_out, bytes_in, fields"
                " FROM egress WHERE time >= ? ORDER BY time",
                (clock.iso(now - window),),
            )
        ]
    if json:
        for row in rows:
            common.emit_json(row)
        return
    if not rows:
        print(f"Nothing left this machine in the last {since}.")
    for r in rows:
        when = clock.parse_iso(r["time"]).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{when}  {r['method']:<4} {r['host']}  {r['purpose']} ({r['source']})"
            f"  status {r['status']}  {r['bytes_out']} B out, {r['bytes_in']} B in"
            f"  fields {r['fields']}"
        )
