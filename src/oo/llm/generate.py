"""The generator child: `python -m oo.llm.generate [--trial]`, the only place litellm loads.

One run: read the tip-generator alias from configuration, build the context from the store,
ask the model once (with a timeout and no retries), validate the answer, and in one
transaction replace the generator's candidates, with their provenance, and append a
GenerationRun event. Every HTTP request is in the egress ledger (oo.llm.ledger). Prints one
JSON line: the run's summary. Never prints the prompt, the key or a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

from oo import clock, paths
from oo.errors import OOError
from oo.events.v1 import llm_pb2
from oo.llm import context, keys
from oo.llm.ledger import SOURCE, Ledger
from oo.llm.settings import Settings
from oo.llm.settings import load as load_settings
from oo.llm.validate import AnswerError, Tip, normalize, validate
from oo.privacy import consent
from oo.store import events
from oo.store.db import open_store, transaction
from oo.store.install import install_id

CANDIDATE_LIFETIME = timedelta(hours=12)
MAX_ANSWER_TOKENS = 700


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
        return f"cannot reach {where}; is the model server running?"
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
    conn.execute("DELETE FROM candidates WHERE source = ?", (SOURCE,))
    for tip in tips:
        refs = [ctx.refs[i] for i in tip.signal_ids]
        provenance = {
            "alias": settings.alias,
            "model": settings.model,
            "prompt_version": context.PROMPT_VERSION,
            "signal_ids": refs,
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
                json.dumps({"signals": len(refs)}),
                json.dumps(provenance),
                clock.iso(now),
                clock.iso(now + CANDIDATE_LIFETIME),
            ),
        )


def _without_consent(settings: Settings, *, trial: bool, now: datetime) -> str | None:
    """For a model off this machine: the reason to stop (recorded as a run) without consent."""
    if settings.local:
        return None
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
            prompt_version=context.PROMPT_VERSION,
            error=error,
            host=settings.host,
            context_mode=settings.context_mode,
            trial=trial,
        )
        with transaction(conn):
            events.append(conn, body, now=now, source=SOURCE)
    return error


def run(*, trial: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """One generation; returns its summary. Raises OOError only for local problems."""
    now = now or clock.now()
    settings = load_settings()
    summary: dict[str, Any] = {
        "alias": settings.alias,
        "model": settings.model,
        "host": settings.host,
        "context_mode": settings.context_mode,
        "trial": trial,
        "prompt_version": context.PROMPT_VERSION,
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

    with closing(open_store()) as conn:
        secret = keys.get_key(settings.provider, install=install_id(conn))
        ctx = context.build(conn, now, mode=settings.context_mode, secrets=[secret or ""])
        existing = _existing_texts(conn, now)
    fields = ("model", *ctx.fields())
    ledger = Ledger(
        paths.db_path(),
        purpose=f"{settings.alias}: {settings.model}",
        fields_for=lambda path: fields if path.endswith(("/chat", "/completions")) else ("model",),
        clock=clock.now,
    )
    started = time.monotonic()
    answer: str | None = None
    try:
        litellm = _litellm(settings)
        ledger.install()
        response = litellm.completion(
            model=settings.model,
            messages=ctx.messages(),
            api_base=settings.api_base,
            api_key=secret,
            timeout=settings.timeout_s,
            num_retries=0,
            max_retries=0,
            response_format={"type": "json_object"},
            temperature=0.7,
            max_tokens=MAX_ANSWER_TOKENS,
        )
        answer = str(response.choices[0].message.content or "")
    except OOError as exc:
        summary["error"] = str(exc)
    except Exception as exc:
        summary["error"] = _error_line(exc, settings)
    _drain_background_logging()
    _close_cached_clients()
    duration_ms = int((time.monotonic() - started) * 1000)
    verdict = None
    if answer is not None:
        try:
            verdict = validate(answer, ctx.refs, existing)
        except AnswerError as exc:
            summary["error"] = str(exc)
    if verdict is not None:
        summary["offered"] = verdict.offered
        summary["accepted"] = len(verdict.tips)
        summary["rejected"] = dict(verdict.rejected)
        summary["tips"] = [
            {"text": t.text, "kind": t.kind, "category": t.category} for t in verdict.tips
        ]
    summary["duration_ms"] = duration_ms
    summary["requests"] = ledger.requests
    summary["bytes_out"] = ledger.bytes_out
    summary["bytes_in"] = ledger.bytes_in
    with closing(open_store()) as conn, transaction(conn):
        body = llm_pb2.GenerationRun(
            alias=settings.alias,
            model=settings.model,
            prompt_version=context.PROMPT_VERSION,
            requested=summary["offered"],
            accepted=summary["accepted"],
            rejected=sum(summary["rejected"].values()),
            error=summary["error"] or "",
            host=settings.host,
            context_mode=ctx.mode,
            trial=trial,
            duration_ms=duration_ms,
            rejected_reasons=summary["rejected"],
        )
        run_id = events.append(conn, body, now=now, source=SOURCE)
        if verdict is not None and not trial:
            _store(conn, tips=verdict.tips, ctx=ctx, settings=settings, run_id=run_id, now=now)
    return summary


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.umask(0o077)
    try:
        summary = run(trial="--trial" in args)
    except OOError as exc:
        summary = {"error": str(exc), "local_error": True}
    except Exception as exc:  # one line for the parent, never a traceback
        summary = {"error": f"the generator failed ({type(exc).__name__})", "local_error": True}
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0 if not summary.get("error") else 1


if __name__ == "__main__":
    sys.exit(main())
