"""The one way to start a generation: the daemon, `oo llm run` and `oo llm test` all call
`generate` here.

The parent never imports litellm: it runs `python -m oo.llm.generate` in a child process and
reads its output. The child prints {"phase": "request"} just before it asks the model; from
then on it has `llm.timeout-s` seconds of wall time in all (connection and stream), and is
killed when they are over. Before that line, starting up (imports, the context, the
language model) has its own bound, STARTUP_LIMIT_S. A run that is stopped, or that ends
without a summary, is recorded here as a failed GenerationRun, so `oo status` shows it.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import Any

from oo.children import die_with_parent
from oo.llm.settings import Settings
from oo.llm.settings import load as load_settings

STARTUP_LIMIT_S = 90.0  # imports (litellm: 3-10 s), the context and the language model

_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.Lock()


def command(*, trial: bool = False) -> list[str]:
    return [sys.executable, "-m", "oo.llm.generate", *(["--trial"] if trial else [])]


def start(*, trial: bool = False, now: datetime | None = None) -> subprocess.Popen[str]:
    """Start a generation in a child process; `finish` waits for it."""
    from oo.clock import iso

    env = dict(os.environ)
    if now is not None:
        env["OO_NOW"] = iso(now)
    proc = subprocess.Popen(
        command(trial=trial),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - prctl only; the daemon does the same
    )
    with _running_lock:
        _running.add(proc)
    return proc


def stop_all() -> None:
    """Kill every generation still running (the daemon stopping)."""
    with _running_lock:
        procs = list(_running)
    for proc in procs:
        if proc.poll() is None:
            proc.kill()


def _lines(proc: subprocess.Popen[str], out: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        out.put(line)
    out.put(None)


def finish(
    proc: subprocess.Popen[str],
    *,
    timeout: float | None = None,
    startup: float = STARTUP_LIMIT_S,
    trial: bool = False,
) -> dict[str, Any]:
    """Wait for a started generation and return its summary; kill it past its deadline."""
    settings = load_settings()
    limit = settings.timeout_s if timeout is None else timeout
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(proc, lines), daemon=True)
    reader.start()
    deadline = time.monotonic() + startup
    asked = False
    summary: dict[str, Any] | None = None
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                proc.kill()
                proc.wait()
                if asked:
                    error = f"{settings.host} did not answer within {limit:g} s; stopped"
                else:
                    error = f"the generator did not start within {startup:g} s and was stopped"
                _record_stopped(settings, error, trial=trial)
                return {"error": error, "stopped": True}
            if line is None:
                break
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if not isinstance(doc, dict):
                continue
            if doc.get("phase") == "request" and not asked:
                asked = True
                deadline = time.monotonic() + limit
            elif "error" in doc:
                summary = doc
        proc.wait()
    finally:
        with _running_lock:
            _running.discard(proc)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
    if summary is None:
        error = f"the generator exited with code {proc.returncode} and no summary"
        _record_stopped(settings, error, trial=trial)
        return {"error": error}
    return summary


def _record_stopped(settings: Settings, error: str, *, trial: bool) -> None:
    """The child ended before it could record its run: record it here."""
    from contextlib import closing

    from oo import clock
    from oo.events.v1 import llm_pb2
    from oo.llm.ledger import SOURCE
    from oo.llm.settings import PROMPT_VERSION
    from oo.store import events
    from oo.store.db import open_store, transaction

    body = llm_pb2.GenerationRun(
        alias=settings.alias,
        model=settings.model,
        prompt_version=PROMPT_VERSION,
        error=error,
        host=settings.host,
        context_mode=settings.context_mode,
        trial=trial,
    )
    with closing(open_store()) as conn, transaction(conn):
        events.append(conn, body, now=clock.now(), source=SOURCE)


def generate(
    *, trial: bool = False, timeout: float | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Run one generation in a child process and wait for it (at most the deadline)."""
    return finish(start(trial=trial, now=now), timeout=timeout, trial=trial)
