"""A calendar is read in a short-lived child process, so the process that asked (the daemon,
`oo sync`, `oo connect`) never grows with a calendar's size, and a hostile calendar is stopped
by a budget: TIME_BUDGET_S of wall-clock time and MEMORY_BUDGET_MB of address space.

The parent writes the secret (a path or a secret URL) and the time on the child's stdin,
never in its arguments or environment; the child fetches (recording egress to the ledger
itself), parses and expands, and writes the event items, or one error line, as JSON on
stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from typing import Any

from oo.clock import iso, parse_iso
from oo.connectors.base import ConnectorError, Item, ReconnectNeeded, State

TIME_BUDGET_S = 20.0
MEMORY_BUDGET_MB = 1024
_ERRORS = {"ConnectorError": ConnectorError, "ReconnectNeeded": ReconnectNeeded}


def run(state: State, *, timeout: float = TIME_BUDGET_S) -> list[Item]:
    """The calendar's event items, read in a child process."""
    request = json.dumps({"now": iso(state.now), "account": state.account, "secret": state.secret})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "oo.connectors.calendar_child"],
            input=request.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConnectorError(
            f"the calendar took over {timeout:g} s to read (too large or built to be slow);"
            " nothing was changed"
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if done.returncode < 0 or b"MemoryError" in done.stderr:
            raise ConnectorError(
                f"the calendar needs more than {MEMORY_BUDGET_MB} MB to read (too large or"
                " built to be); nothing was changed"
            )
        raise ConnectorError(
            f"reading the calendar failed (exit {done.returncode}); nothing was changed"
        )
    if "error" in answer:
        raise _ERRORS.get(str(answer.get("kind")), ConnectorError)(str(answer["error"]))
    return [Item(**{**fields, "labels": tuple(fields["labels"])}) for fields in answer["items"]]


def _limit_memory() -> None:
    try:
        import resource

        cap = MEMORY_BUDGET_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # not on this platform: the time budget stays
        pass


def main() -> int:
    _limit_memory()
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    state = State(parse_iso(request["now"]), str(request["account"]), dict(request["secret"]))
    try:
        from oo.connectors import calendar
        from oo.connectors.http import Recorder, client

        with client(Recorder(source=calendar.NAME, purpose="sync")) as http:
            items = calendar.read(http, state)
        answer: dict[str, Any] = {"items": [asdict(item) for item in items]}
    except ConnectorError as exc:
        answer = {"error": str(exc), "kind": type(exc).__name__}
    except MemoryError:
        answer = {
            "error": f"the calendar needs more than {MEMORY_BUDGET_MB} MB to read (too large"
            " or built to be); nothing was changed"
        }
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown of a large heap


if __name__ == "__main__":
    sys.exit(main())
