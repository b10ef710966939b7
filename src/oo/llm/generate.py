"""The generator child: `python -m oo.llm.generate [--trial]`, the only place litellm loads.

One run: read the tip-generator alias from configuration; check that the endpoint accepts a
TCP connection (before litellm is imported, so finding nothing costs little); read the API
key only when the provider needs one; build the context from the store; ask the model once
(no retries); pass every tip through the contract and the safety gate; and in one
transaction replace the generator's candidates, each with its signal, valid-until and
provenance, and append a GenerationRun event. Every HTTP request is in the egress ledger
(oo.llm.ledger). Just before the request it prints {"phase": "request"}, from which the
parent (oo.llm.run) counts `llm.timeout-s`; at the end it prints one JSON line: the run's
summary. Never prints the prompt, the key or a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oo import clock, paths
from oo.errors import OOError
from oo.events.v1 import llm_pb2
from oo.llm import keys
from oo.llm.ledger import SOURCE, Ledger
from oo.llm.settings import PROMPT_VERSION, Settings
from oo.llm.settings import load as load_settings
from oo.store import events
from oo.store.db import open_store, transaction
from oo.store.install import install_id

if TYPE_CHECKING:  # the prompt, the gate and the contract load after the endpoint answers
    from oo.llm import context
    from oo.llm.validate import Tip

MAX_ANSWER_TOKENS = 400
TEMPERATURE = 0.2  # low: a small model keeps to the format and the examples
CONNECT_CHECK_S = 0.5
NO_KEY = "no-key"  # what an OpenAI-compatible client sends to a server that needs none


def unreachable(settings: Settings) -> str:
    return f"cannot reach {settings.host}; is the model server running?"


def accepts_connection(settings: Settings) -> bool:
    """Whether the endpoint accepts a TCP connection within CONNECT_CHECK_S."""
    try:
        with socket.create_connection((settings.host, settings.port), CONNECT_CHECK_S):
            return True
    except OSError:
        return False


def _litellm(settings: Settings) -> Any:
    """Import litellm so that the import itself makes no network call."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    if settings.provider.startswith("ollama"):
        # litellm looks up Ollama model info without an api_base: point it at ours.
        os.environ["OLLAMA_API_BASE"] = settings.api_base
    try:
        import litellm  # heavy (about 2-4 s, 200 MB): only in this child process
    except ImportError:
        raise OOError("litellm is not installed; install it with `pip install 'oo[llm]'`") from None

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    litellm.drop_params = True  # a model that lacks response_format still answers
    return litellm


def _drain_background_logging(limit_s: float = 5.0) -> None:
    """Wait for litellm's logging threads, which may still make model-info requests, so
    that they land in the ledger before this run is recorded (best effort)."""
    module = sys.modules.get("litellm.litellm_core_utils.thread_pool_executor")
    executor = getattr(module, "executor", None)
    slots = getattr(executor, "_pending_slots", None)
    most = getattr(executor, "_max_pending_tasks", None)
    if slots is None or most is None:
        return
    end = time.monotonic() + limit_s
    while getattr(slots, "_value", most) < most and time.monotonic() < end:
        time.sleep(0.01)


def _close_cached_clients() -> None:
    """Close the HTTP clients litellm keeps for reuse: a run is one-shot, and in a long-lived
    process (tests, `oo llm test`) their keep-alive connections would otherwise stay open."""
    module = sys.modules.get("litellm")
    cache = getattr(module, "in_memory_llm_clients_cache", None)
    clients = list(getattr(cache, "cache_dict", {}).values())
    # The shared sync client litellm creates on first use (read without creating one).
    clients.append(vars(module).get("module_level_client") if module is not None else None)
    for client in clients:
        close = getattr(client, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                result = close()
                if hasattr(result, "close"):  # an async client's close() is a coroutine
                    result.close()
    if cache is not None and hasattr(cache, "flush_cache"):
        cache.flush_cache()


def _error_line(exc: BaseException, settings: Settings) -> str:
    """One sentence for a failed call; never the exception's text (it may quote a request)."""
    name = type(exc).__name__
    where = settings.host
    status = getattr(exc, "status_code", None)
    if "Timeout" in name:
        return f"{where} did not answer within {settings.timeout_s:g} s"
    if name == "AuthenticationError":
        return f"{where} refused the API key; set one with `oo llm key set {settings.provider}`"
    if name == "NotFoundError":
        return f"{where} does not know the model {settings.model!r}"
    if name == "APIConnectionError" and status in (None, 500, 503):
        return unreachable(settings)
    if name == "BadRequestError":
        return f"{where} rejected the request (bad request)"
    if isinstance(status, int):
        return f"{where} answered with HTTP {status}"
    return f"the call to {where} failed ({name})"


def _existing_texts(conn: Any, now: datetime) -> list[str]:
    from oo.engine import library

    texts = [t.text for t in library.load()]
    texts += [
        row[0] for row in conn.execute("SELECT text FROM candidates WHERE source != ?", (SOURCE,))
    ]
    texts += [
        row[0]
        for row in conn.execute(
            "SELECT text FROM tips WHERE decided_at >= ?", (clock.iso(now - timedelta(days=14)),)
        )
    ]
    return texts


def _store(
    conn: Any,
    *,
    tips: list[Tip],
    ctx: context.Context,
    settings: Settings,
    run_id: str,
    now: datetime,
) -> None:
    from oo.llm.context import NOW_ID
    from oo.llm.validate import normalize

    conn.execute("DELETE FROM candidates WHERE source = ?", (SOURCE,))
    ids = ctx.ids()
    for tip in tips:
        until = ctx.valid_until(tip.signal, now)
        provenance = {
            "alias": settings.alias,
            "model": settings.model,
            "prompt_version": PROMPT_VERSION,
            "signal": ids[tip.signal],
            "valid_until": clock.iso(until),
            "context_mode": ctx.mode,
            "run": run_id,
        }
        digest = hashlib.sha256(normalize(tip.text).encode()).hexdigest()[:16]
        conn.execute(
            "INSERT INTO candidates (id, source, source_ref, text, kind, category, features,"
            " provenance, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                events.new_id(now),
                SOURCE,
                f"llm:{digest}",
                tip.text,
                tip.kind,
                tip.category,
                json.dumps({"signals": 0 if tip.signal == NOW_ID else 1}),
                json.dumps(provenance),
                clock.iso(now),
                clock.iso(until),
            ),
        )


def _without_consent(settings: Settings, *, trial: bool, now: datetime) -> str | None:
    """For a model off this machine: the reason to stop (recorded as a run) without consent."""
    if settings.local:
        return None
    from oo.privacy import consent

    subject = f"llm:{settings.context_mode}"
    with closing(open_store()) as conn:
        if consent.has_consent(conn, subject):
            return None
        flag = " --full" if subject == "llm:full" else ""
        error = (
            f"no consent to send {settings.context_mode} context to {settings.host};"
            f" review it with `oo llm consent{flag}`"
        )
        body = llm_pb2.GenerationRun(
            alias=settings.alias,
            model=settings.model,
            prompt_version=PROMPT_VERSION,
            error=error,
            host=settings.host,
            context_mode=settings.context_mode,
            trial=trial,
        )
        with transaction(conn):
            events.append(conn, body, now=now, source=SOURCE)
    return error


def _record(summary: dict[str, Any], settings: Settings, *, now: datetime) -> str:
    with closing(open_store()) as conn, transaction(conn):
        return _append_run(conn, summary, settings, now=now)


def _append_run(conn: Any, summary: dict[str, Any], settings: Settings, *, now: datetime) -> str:
    body = llm_pb2.GenerationRun(
        alias=settings.alias,
        model=settings.model,
        prompt_version=PROMPT_VERSION,
        requested=summary["offered"],
        accepted=summary["accepted"],
        rejected=sum(summary["rejected"].values()),
        error=summary["error"] or "",
        host=settings.host,
        context_mode=summary["context_mode"],
        trial=summary["trial"],
        duration_ms=summary.get("duration_ms", 0),
        rejected_reasons=summary["rejected"],
    )
    return events.append(conn, body, now=now, source=SOURCE)


def _ask(
    settings: Settings,
    ctx: context.Context,
    secret: str | None,
    ledger: Ledger,
    on_request: Callable[[], None] | None,
) -> tuple[str | None, str | None]:
    """The model's answer, or the one-line error that stopped it."""
    from oo.llm import gate

    try:
        litellm = _litellm(settings)
        with contextlib.suppress(Exception):  # if it cannot load, the gate rejects every tip
            gate.load_language_model(settings.language)
        ledger.install()
        if on_request is not None:
            on_request()
        response = litellm.completion(
            model=settings.model,
            messages=ctx.messages(),
            api_base=settings.api_base,
            api_key=secret or (None if settings.provider.startswith("ollama") else NO_KEY),
            timeout=settings.timeout_s,
            num_retries=0,
            max_retries=0,
            response_format={"type": "json_object"},
            temperature=TEMPERATURE,
            max_tokens=MAX_ANSWER_TOKENS,
        )
        return str(response.choices[0].message.content or ""), None
    except OOError as exc:
        return None, str(exc)
    except Exception as exc:
        return None, _error_line(exc, settings)


def run(
    *,
    trial: bool = False,
    now: datetime | None = None,
    on_request: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """One generation; returns its summary. Raises OOError only for local problems.

    `on_request` is called just before the model is asked (the parent's deadline starts)."""
    now = now or clock.now()
    settings = load_settings()
    summary: dict[str, Any] = {
        "alias": settings.alias,
        "model": settings.model,
        "host": settings.host,
        "context_mode": settings.context_mode,
        "language": settings.language,
        "trial": trial,
        "prompt_version": PROMPT_VERSION,
        "offered": 0,
        "accepted": 0,
        "rejected": {},
        "tips": [],
        "error": None,
    }
    if not settings.enabled:
        summary["error"] = "no model is configured (llm.tip-generator is off)"
        return summary
    refused = _without_consent(settings, trial=trial, now=now)
    if refused is not None:
        summary["error"] = refused
        return summary

    ledger = Ledger(
        paths.db_path(),
        purpose=f"{settings.alias}: {settings.model}",
        fields_for=lambda path: ("model",),
        clock=clock.now,
    )
    started = time.monotonic()
    if not accepts_connection(settings):
        ledger.attempt(settings.api_base)
        summary.update(error=unreachable(settings), requests=0, bytes_out=0, bytes_in=0)
        summary["duration_ms"] = int((time.monotonic() - started) * 1000)
        _record(summary, settings, now=now)
        return summary

    from oo.llm import context
    from oo.llm.validate import AnswerError, validate

    with closing(open_store()) as conn:
        secret = (
            keys.get_key(settings.provider, install=install_id(conn))
            if settings.needs_key
            else None
        )
        mode, language = settings.context_mode, settings.language
        ctx = context.build(conn, now, mode=mode, secrets=[secret or ""], language=language)
        existing = _existing_texts(conn, now)
    fields = ("model", *ctx.fields())
    ledger.fields_for = lambda path: (
        fields if path.endswith(("/chat", "/completions")) else ("model",)
    )
    answer, summary["error"] = _ask(settings, ctx, secret, ledger, on_request)
    _drain_background_logging()
    _close_cached_clients()
    duration_ms = int((time.monotonic() - started) * 1000)
    verdict = None
    if answer is not None:
        try:
            verdict = validate(
                answer,
                ctx.ids(),
                existing,
                language=settings.language,
                untrusted=ctx.untrusted(),
            )
        except AnswerError as exc:
            summary["error"] = str(exc)
    if verdict is not None:
        summary["offered"] = verdict.offered
        summary["accepted"] = len(verdict.tips)
        summary["rejected"] = dict(verdict.rejected)
        summary["tips"] = [
            {
                "text": t.text,
                "kind": t.kind,
                "category": t.category,
                "signal": ctx.ids()[t.signal],
                "valid_until": clock.iso(ctx.valid_until(t.signal, now)),
            }
            for t in verdict.tips
        ]
    summary["context_mode"] = ctx.mode
    summary["duration_ms"] = duration_ms
    summary["requests"] = ledger.requests
    summary["bytes_out"] = ledger.bytes_out
    summary["bytes_in"] = ledger.bytes_in
    with closing(open_store()) as conn, transaction(conn):
        run_id = _append_run(conn, summary, settings, now=now)
        if verdict is not None and not trial:
            _store(conn, tips=verdict.tips, ctx=ctx, settings=settings, run_id=run_id, now=now)
    return summary


def _announce_request() -> None:
    sys.stdout.write(json.dumps({"phase": "request"}) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.umask(0o077)
    try:
        summary = run(trial="--trial" in args, on_request=_announce_request)
    except OOError as exc:
        summary = {"error": str(exc), "local_error": True}
    except Exception as exc:  # one line for the parent, never a traceback
        summary = {"error": f"the generator failed ({type(exc).__name__})", "local_error": True}
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0 if not summary.get("error") else 1


if __name__ == "__main__":
    sys.exit(main())
