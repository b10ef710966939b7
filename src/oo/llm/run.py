"""Starting the generator child from the CLI, `oo sync` or the daemon.

The parent never imports litellm: it runs `python -m oo.llm.generate` with a deadline
(the configured timeout plus a margin for the import) and reads its one-line JSON summary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from oo.llm.settings import load as load_settings

IMPORT_MARGIN_S = 30.0


def command(*, trial: bool = False) -> list[str]:
    return [sys.executable, "-m", "oo.llm.generate", *(["--trial"] if trial else [])]


def start(*, trial: bool = False) -> subprocess.Popen[str]:
    """Start a generation in the background (the daemon's way); read `finish` later."""
    return subprocess.Popen(
        command(trial=trial),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def deadline_s() -> float:
    return load_settings().timeout_s + IMPORT_MARGIN_S


def finish(proc: subprocess.Popen[str], *, timeout: float | None = None) -> dict[str, Any]:
    """Wait for a started generation and return its summary; kill it past the deadline."""
    try:
        out, _err = proc.communicate(timeout=deadline_s() if timeout is None else timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        error = "the generator did not finish in time and was stopped"
        _record_stopped(error)
        return {"error": error}
    for line in reversed(out.splitlines()):
        try:
            summary = json.loads(line)
        except ValueError:
            continue
        if isinstance(summary, dict):
            return summary
    return {"error": f"the generator exited with code {proc.returncode} and no summary"}


def _record_stopped(error: str) -> None:
    """The child was killed before it could record its run: record it here."""
    from contextlib import closing

    from oo import clock
    from oo.events.v1 import llm_pb2
    from oo.llm.context import PROMPT_VERSION
    from oo.llm.ledger import SOURCE
    from oo.store import events
    from oo.store.db import open_store, transaction

    settings = load_settings()
    body = llm_pb2.GenerationRun(
        alias=settings.alias,
        model=settings.model,
        prompt_version=PROMPT_VERSION,
        error=error,
        host=settings.host,
        context_mode=settings.context_mode,
    )
    with closing(open_store()) as conn, transaction(conn):
        events.append(conn, body, now=clock.now(), source=SOURCE)


def generate(*, trial: bool = False, timeout: float | None = None) -> dict[str, Any]:
    """Run one generation in a child process and wait for it."""
    return finish(start(trial=trial), timeout=timeout)
