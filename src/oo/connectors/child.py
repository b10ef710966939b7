"""A connector's pull in a short-lived child process, for providers whose content can be
large or hostile (calendars). The process that asked (the daemon, `oo sync`, `oo connect`)
never grows with the content's size, and the child is stopped by a budget: CPU_BUDGET_S of
processor time (the same on a busy machine as on an idle one), TIME_BUDGET_S of wall-clock
time (a server that trickles its answer) and MEMORY_BUDGET_MB of address space.

A connector opts in with `isolated = True` and a `pull_here(client, state)` that pulls in
this process. The parent writes the request (the secret included) on the child's stdin,
never in its arguments or environment. In "pull" mode the child answers the items as JSON;
in "sync" mode it also writes them to the store itself through the sync runner's own
`commit` (or records the failure with `fail`) and answers the counts. The child records its
requests in the egress ledger itself.

`sync_source` runs a whole `oo sync NAME` in a child ("source" mode, no budget of its own:
an isolated connector's pull still runs in its bounded child): the resident daemon pulls
every source that way, so it never loads a provider's code, HTTP or the keyring (ADR 0045).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from oo.children import die_with_parent
from oo.clock import iso, parse_iso
from oo.connectors.base import ConnectorError, Item, ReconnectNeeded, State

if TYPE_CHECKING:
    from oo.connectors.sync import SyncResult

CPU_BUDGET_S = 10
TIME_BUDGET_S = 60.0
MEMORY_BUDGET_MB = 1024
# A whole sync in a child: the wait for another process's pull of the source (the sync
# runner's lock, 120 s), the provider's answers and the calendar child's own budget.
SOURCE_TIMEOUT_S = 300.0
_ERRORS = {"ConnectorError": ConnectorError, "ReconnectNeeded": ReconnectNeeded}


def _request(mode: str, name: str, state: State) -> dict[str, Any]:
    return {
        "mode": mode,
        "name": name,
        "now": iso(state.now),
        "account": state.account,
        "install": state.install,
        "secret": state.secret,
        "cursor": state.cursor,
    }


def _spawn(name: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "oo.connectors.child"],
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired:
        raise ConnectorError(
            f"the {name} source took over {timeout:g} s to read (too large or built to be"
            " slow); nothing was changed"
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        return answer
    if done.returncode in (-getattr(signal, "SIGXCPU", 24), -getattr(signal, "SIGKILL", 9)):
        raise ConnectorError(
            f"the {name} source needs over {CPU_BUDGET_S} s of work to read (too large or"
            " built to be slow); nothing was changed"
        )
    if done.returncode < 0 or b"MemoryError" in done.stderr:
        raise ConnectorError(_memory_message(name))
    raise ConnectorError(
        f"reading the {name} source failed (exit {done.returncode}); nothing was changed"
    )


def _memory_message(name: str) -> str:
    return (
        f"the {name} source needs more than {MEMORY_BUDGET_MB} MB to read (too large or built"
        " to be); nothing was changed"
    )


def _raise(answer: dict[str, Any]) -> None:
    if "error" in answer:
        raise _ERRORS.get(str(answer.get("kind")), ConnectorError)(str(answer["error"]))


def pull(name: str, state: State, *, timeout: float = TIME_BUDGET_S) -> list[Item]:
    """The source's items, pulled in a child process."""
    answer = _spawn(name, _request("pull", name, state), timeout)
    _raise(answer)
    return [Item(**{**fields, "labels": tuple(fields["labels"])}) for fields in answer["items"]]


def sync(name: str, state: State, *, timeout: float = TIME_BUDGET_S) -> SyncResult:
    """Pull the source in a child that writes the result to the store (or records the
    failure) itself; raises ConnectorError only when the child did neither."""
    from oo.connectors.sync import SyncResult

    answer = _spawn(name, _request("sync", name, state), timeout)
    if "source" not in answer:
        _raise(answer)
    return SyncResult(
        str(answer["source"]),
        bool(answer["ok"]),
        int(answer["items"]),
        int(answer["candidates"]),
        answer["error"],
        int(answer["duration_ms"]),
    )


@dataclass(frozen=True)
class Synced:
    """What a sync in a child did: its error (None when it succeeded), and whether that
    error is the store's (then the source is not to blame, nor backed off)."""

    error: str | None
    store_failed: bool = False


def sync_source(name: str, now: datetime, *, timeout: float = SOURCE_TIMEOUT_S) -> Synced:
    """Pull the source and write the result (or record the failure) in a child process, as
    `oo sync NAME` does; raises ConnectorError only when the child did neither."""
    answer = _spawn(name, {"mode": "source", "name": name, "now": iso(now)}, timeout)
    if "source" not in answer:
        _raise(answer)
    error = answer.get("error")
    return Synced(None if error is None else str(error), bool(answer.get("store_failed")))


def _sync_source(request: dict[str, Any]) -> dict[str, Any]:
    import sqlite3

    from oo.connectors import sync
    from oo.errors import OOError
    from oo.store.db import open_store

    name = str(request["name"])
    try:
        conn = open_store()
        try:
            answer = sync.sync(conn, name, now=parse_iso(request["now"])).to_dict()
        finally:
            conn.close()
    except sqlite3.Error as exc:  # the store's failure, in SQLite's words, not the source's
        answer = {"source": name, "ok": False, "error": sync.store_error(name, exc)}
    except OOError as exc:
        answer = {"source": name, "ok": False, "error": str(exc)}
    except Exception as exc:  # a bug: its type only, the message may quote content
        answer = {"source": name, "ok": False, "error": f"unexpected {type(exc).__name__}"}
    answer["store_failed"] = str(answer.get("error")).startswith(sync.STORE_FAILED)
    return answer


def _limit() -> None:
    try:
        import resource

        cap = MEMORY_BUDGET_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        # SIGXCPU at the budget, SIGKILL a little later if it is caught.
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_BUDGET_S, CPU_BUDGET_S + 2))
    except (ImportError, ValueError, OSError):  # not on this platform: the wall clock stays
        pass


def _run(request: dict[str, Any]) -> dict[str, Any]:
    from oo.connectors import base
    from oo.connectors.http import Recorder, client

    name = str(request["name"])
    state = State(
        parse_iso(request["now"]),
        str(request["account"]),
        dict(request["secret"]),
        request.get("cursor"),
        str(request["install"]),
    )
    connector: Any = base.get(name)
    recorder = Recorder(source=name, purpose="sync")
    started = time.monotonic()
    if request["mode"] == "pull":
        try:
            with client(recorder) as http:
                items = connector.pull_here(http, state).items
        except ConnectorError as exc:
            return {"error": str(exc), "kind": type(exc).__name__}
        return {"items": [vars(item) for item in items]}  # its fields; json makes lists of tuples
    from oo.connectors.sync import commit, fail
    from oo.store.db import open_store

    conn = open_store()
    try:
        try:
            with client(recorder) as http:
                pulled = connector.pull_here(http, state)
        except ConnectorError as exc:
            return fail(conn, name, recorder, str(exc), now=state.now).to_dict()
        duration = int((time.monotonic() - started) * 1000)
        return commit(
            conn, name, state.account, pulled, recorder, now=state.now, duration=duration
        ).to_dict()
    finally:
        conn.close()


def main() -> None:
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    if request["mode"] == "source":
        sys.stdout.write(json.dumps(_sync_source(request)))
        sys.stdout.flush()
        return
    _limit()
    try:
        answer = _run(request)
    except MemoryError:
        answer = {"error": _memory_message(str(request.get("name")))}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown of a large heap


if __name__ == "__main__":
    main()
