"""What the daemon's jobs do, each a plain function of a connection and `now`.

Each job calls one function of another part of oO, imported when the job runs. While that
part is not installed (its module is missing), the job logs that once and does nothing.
Heavy work (candidate refresh, LLM generation) runs in a short-lived child process, so the
resident daemon never loads scikit-learn or litellm.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import random
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType

from oo.clock import iso, parse_iso
from oo.daemon import deliveries, timing
from oo.engine.tips import TIP_COLUMNS
from oo.errors import OOError
from oo.store.db import transaction

log = logging.getLogger("oo.daemon")

SYNC_MODULE = "oo.connectors.sync"
REFRESH_MODULE = "oo.engine.candidates"
GENERATE_MODULE = "oo.llm.generate"
RECONNECT = "reconnect needed"  # oo.connectors.freshness.RECONNECT, without importing it
JITTER = 0.1  # a source is pulled between 1x and 1.1x its freshness target
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)

_missing_logged: set[str] = set()


def _is_missing(exc: ModuleNotFoundError, module: str) -> bool:
    """The error is about `module` itself (or an oO package above it), not something it uses."""
    name = exc.name or ""
    return name.startswith("oo.") and (module == name or module.startswith(name + "."))


def _log_missing(module: str) -> None:
    if module not in _missing_logged:
        _missing_logged.add(module)
        log.debug("%s is not installed yet; its job does nothing", module)


def optional_module(module: str) -> ModuleType | None:
    """Import an oO module that may not exist yet; None (logged once) when it does not."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if _is_missing(exc, module):
            _log_missing(module)
            return None
        raise


def module_exists(module: str) -> bool:
    """Whether a module could be run as a child process, without importing it here."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError as exc:
        if not _is_missing(exc, module):
            raise
        found = False
    if not found:
        _log_missing(module)
    return found


@dataclass
class Backoff:
    """Failures per source, kept in memory; a restart starts from the sources table."""

    failures: dict[str, int] = field(default_factory=dict)
    next_try: dict[str, datetime] = field(default_factory=dict)

    def failed(self, name: str, now: datetime) -> datetime:
        count = self.failures.get(name, 0) + 1
        self.failures[name] = count
        wait = min(BACKOFF_FIRST * 2 ** (count - 1), BACKOFF_MAX)
        self.next_try[name] = now + wait
        return self.next_try[name]

    def succeeded(self, name: str) -> None:
        self.failures.pop(name, None)
        self.next_try.pop(name, None)

    def waiting(self, name: str, now: datetime) -> bool:
        until = self.next_try.get(name)
        return until is not None and now < until


def due_sources(
    conn: sqlite3.Connection, now: datetime, backoff: Backoff, rng: random.Random
) -> list[str]:
    """Connected sources whose last success is older than their freshness target."""
    due = []
    for row in conn.execute(
        "SELECT name, last_success, last_error, freshness_target_s FROM sources ORDER BY name"
    ):
        if backoff.waiting(row["name"], now):
            continue
        if (row["last_error"] or "").startswith(RECONNECT):
            continue  # a revoked or expired credential: no retry loop, `oo status` says why
        if row["last_success"] is not None:
            target = timedelta(seconds=row["freshness_target_s"] * (1 + rng.uniform(0, JITTER)))
            if now - parse_iso(row["last_success"]) < target:
                continue
        due.append(row["name"])
    return due


def sync_due(
    conn: sqlite3.Connection, now: datetime, backoff: Backoff, rng: random.Random
) -> list[str]:
    """Pull every source that is due, each in a child process that writes what it pulled
    (the resident daemon never loads a provider's code, HTTP or the keyring; ADR 0045); a
    failure backs that source off exponentially."""
    names = due_sources(conn, now, backoff, rng)
    if not names or not module_exists(SYNC_MODULE):
        return []
    from oo.connectors import child  # light: the standard library and oO's own types

    pulled = []
    for name in names:
        try:
            synced = child.sync_source(name, now)
            error = synced.error
        except OOError as exc:  # the child died or overran its time: nothing was written
            synced, error = child.Synced(str(exc)), str(exc)
        if error is not None and synced.store_failed:
            log.warning("%s", error)
            continue
        if error is not None:
            until = backoff.failed(name, now)
            log.warning("sync of %s failed (%s); next try after %s", name, error, until)
            continue
        backoff.succeeded(name)
        pulled.append(name)
    return pulled


def needs_choice(conn: sqlite3.Connection, now: datetime) -> bool:
    """Whether the current tip is missing or over, so a choice must be made (in a child:
    the learning policy loads numpy, which the resident daemon never holds)."""
    row = conn.execute("SELECT expires_at FROM tips WHERE status = 'current'").fetchone()
    return row is None or parse_iso(row["expires_at"]) <= now


def needs_standby(conn: sqlite3.Connection, now: datetime) -> int | None:
    """The newest event's rowid when the current tip is live but no standby waits beside
    it (a new signal, a sync or a mood, dropped it), else None. The daemon then draws one
    in a child, once per such newest event, so a reaction finds its next tip ready."""
    at = iso(now)
    live = "SELECT 1 FROM tips WHERE status = ? AND expires_at > ?"
    if conn.execute(live, ("current", at)).fetchone() is None:
        return None
    if conn.execute(live, ("standby", at)).fetchone() is not None:
        return None
    return int(conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM events").fetchone()[0])


def current_tip(conn: sqlite3.Connection, now: datetime) -> sqlite3.Row | None:
    """The current tip as the recommender stored it, None when there is none or it is over."""
    row: sqlite3.Row | None = conn.execute(
        f"SELECT {TIP_COLUMNS} FROM tips WHERE status = 'current' AND expires_at > ?",
        (iso(now),),
    ).fetchone()
    return row


def settle(conn: sqlite3.Connection, now: datetime) -> int:
    """Close notifications nobody answered within the answer window. (The current tip
    expires through `python -m oo.daemon.child recommend`, run before this when it is over.)"""
    with transaction(conn):
        return deliveries.settle_outcomes(conn, now)


@dataclass(frozen=True)
class ToSend:
    delivery_id: str
    tip_id: str
    text: str


def decide(
    conn: sqlite3.Connection,
    now: datetime,
    settings: timing.NotifySettings,
    rng: random.Random,
) -> ToSend | None:
    """Decide whether to notify about the current tip now; log the decision."""
    from oo.engine import recommender  # light: its numpy loads only to choose or learn

    tip = current_tip(conn, now)
    point = timing.current_point(now, settings)
    moment = deliveries.moment(conn, now, tip, points_left=point[2] if point else 0)
    if moment.returning and tip is not None and not moment.already_notified:
        key = f"later:{tip['id']}"
    elif point is None:
        return None
    else:
        key = point[0]
    if deliveries.point_decided(conn, key):
        return None
    decision = timing.decide(moment, settings, rng)
    if not decision.final:
        log.debug("waiting at %s: %s", key, decision.reason)
        return None
    with transaction(conn):
        if deliveries.point_decided(conn, key):
            return None
        delivery_id = deliveries.record_decision(conn, key, moment, decision)
        if decision.send and tip is not None:
            recommender.mark_shown(conn, tip["id"], now)
    log.info(
        "decision %s: %s (p=%.2f, %s)",
        key,
        "send" if decision.send else "wait",
        decision.probability,
        decision.reason,
    )
    if not decision.send or tip is None:
        return None
    return ToSend(delivery_id, str(tip["id"]), str(tip["text"]))


def sent(conn: sqlite3.Connection, delivery_id: str, *, shown: bool, now: datetime) -> None:
    with transaction(conn):
        deliveries.record_sent(conn, delivery_id, shown=shown, now=now)


def generate(now: datetime) -> dict[str, object]:
    """One LLM generation through the runner `oo llm run` uses (its deadline, its record);
    nothing is started while no model is configured."""
    from oo.llm import run as runner
    from oo.llm.settings import load as load_settings

    if not load_settings().enabled:
        return {"error": "no model is configured (llm.tip-generator is off)"}
    return runner.generate(now=now)


def stop_generation() -> None:
    """Kill a generation still running (the daemon stopping)."""
    module = sys.modules.get("oo.llm.run")
    if module is not None:
        module.stop_all()


def maintain(conn: sqlite3.Connection) -> None:
    """Light upkeep: fold the WAL into the database and refresh the query planner's stats."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA optimize")
