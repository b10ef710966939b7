"""The sync runner: connect, pull and disconnect sources, writing what connectors return.

A pull happens with no transaction open; what it returns is written in ONE transaction
(items replaced, candidates replaced, the source's state, a SourceSynced event and the
egress entries), so a failed or partial pull changes nothing but the source's last error and
the ledger. Pulls of one source are serialized across processes by a file lock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx2
from filelock import FileLock, Timeout

from oo import paths, secrets
from oo.clock import iso
from oo.connectors import base
from oo.connectors.base import Connector, ConnectorError, Pull, ReconnectNeeded, State
from oo.connectors.freshness import RECONNECT
from oo.connectors.http import Recorder, client
from oo.errors import OOError
from oo.events.v1 import sources_pb2
from oo.privacy import consent
from oo.privacy.forget import forget_source
from oo.store import events
from oo.store.db import transaction
from oo.store.install import install_id

LOCK_WAIT_S = 120
STORE_FAILED = "the database failed"
DONE_KEPT = timedelta(days=30)
ClientFactory = Callable[[Recorder], httpx2.Client]


@dataclass
class SyncResult:
    source: str
    ok: bool
    items: int = 0
    candidates: int = 0
    error: str | None = None
    duration_ms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "items": self.items,
            "candidates": self.candidates,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


@dataclass
class DisconnectResult:
    source: str
    revoked: bool
    revoke_error: str | None
    counts: dict[str, int] = field(default_factory=dict)


def _lock(name: str) -> FileLock:
    folder = paths.ensure_home() / "locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    return FileLock(folder / f"sync-{name}.lock", timeout=LOCK_WAIT_S)


def _source(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM sources WHERE name = ?", (name,)
    ).fetchone()
    return row


def cursor_of(row: sqlite3.Row) -> dict[str, Any] | None:
    """The cursor the source's previous pull returned (None if none or unreadable)."""
    raw = row["cursor"]
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def write(conn: sqlite3.Connection, name: str, pull: Pull, *, now: datetime) -> None:
    """Replace the source's items and candidates with the pull's, and keep its cursor (call
    inside a transaction)."""
    stamp = iso(now)
    conn.execute(
        "UPDATE sources SET cursor = ? WHERE name = ?",
        (None if pull.cursor is None else json.dumps(pull.cursor, sort_keys=True), name),
    )
    conn.execute("DELETE FROM items WHERE source = ?", (name,))
    conn.executemany(
        "INSERT OR REPLACE INTO items (source, item_id, kind, due, due_has_time, priority,"
        " labels, project_id, start, end, all_day, busy, completed_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                name,
                i.item_id,
                i.kind,
                i.due,
                int(i.due_has_time),
                i.priority,
                json.dumps(list(i.labels)),
                i.project_id,
                i.start,
                i.end,
                int(i.all_day),
                int(i.busy),
                i.completed_at,
                stamp,
            )
            for i in pull.items
        ],
    )
    if pull.completed:
        conn.executemany(
            "UPDATE candidates SET done_at = ? WHERE source = ? AND source_ref = ?"
            " AND done_at IS NULL",
            [(stamp, name, ref) for ref in pull.completed],
        )
    conn.execute("DELETE FROM candidates WHERE source = ? AND done_at IS NULL", (name,))
    conn.execute(
        "DELETE FROM candidates WHERE source = ? AND done_at < ?", (name, iso(now - DONE_KEPT))
    )
    conn.executemany(
        "INSERT OR REPLACE INTO candidates (id, source, source_ref, text, kind, category,"
        " features, provenance, created_at, expires_at, done_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            (
                f"{name}:{c.source_ref}",
                name,
                c.source_ref,
                c.text,
                c.kind,
                c.category,
                json.dumps(c.features, sort_keys=True),
                json.dumps({"source": name, "synced_at": stamp}),
                stamp,
                iso(c.expires_at) if c.expires_at else None,
            )
            for c in pull.candidates
        ],
    )


def _fail(
    conn: sqlite3.Connection,
    name: str,
    recorder: Recorder,
    message: str,
    *,
    now: datetime,
    started: float,
) -> SyncResult:
    duration = int((time.monotonic() - started) * 1000)
    with transaction(conn):
        recorder.flush(conn, now=now)
        conn.execute("UPDATE sources SET last_error = ? WHERE name = ?", (message, name))
        events.append(
            conn,
            sources_pb2.SourceSynced(source=name, ok=False, error=message, duration_ms=duration),
            now=now,
            source=name,
        )
    return SyncResult(name, False, error=message, duration_ms=duration)


def sync(
    conn: sqlite3.Connection,
    name: str,
    *,
    now: datetime,
    make_client: ClientFactory = client,
    connector: Connector | None = None,
) -> SyncResult:
    """Pull one source now and write what it returns; failures are recorded, not raised."""
    if _source(conn, name) is None:
        raise OOError(f"{name} is not connected; run `oo connect {name}`", 2)
    if not consent.has_consent(conn, name):  # no pull without a current consent
        return SyncResult(name, False, error=f"no current consent; run `oo connect {name}`")
    connector = connector or base.get(name)
    try:
        with _lock(name):
            row = _source(conn, name)
            if row is None:
                raise OOError(f"{name} was disconnected meanwhile; nothing was changed")
            account = str(row["account"])
            recorder = Recorder(source=name, purpose="sync")
            started = time.monotonic()
            install = install_id(conn)
            try:
                secret = secrets.load(name, account, install=install)
                if secret is None:
                    raise ReconnectNeeded(
                        f"{RECONNECT}: the keyring has no credential for {name};"
                        f" run `oo connect {name}`"
                    )
                with make_client(recorder) as http:
                    state = connector.prepare(
                        http, State(now, account, secret, cursor=cursor_of(row), install=install)
                    )
                    if getattr(connector, "isolated", False):
                        # Pulled and written by a short-lived child: this process (maybe the
                        # resident daemon) never holds the provider's content.
                        from oo.connectors import child

                        done = child.sync(name, state)
                        done.duration_ms = int((time.monotonic() - started) * 1000)
                        return done
                    pull = connector.pull(http, state)
            except secrets.KeyringUnavailable as exc:
                return _fail(conn, name, recorder, str(exc), now=now, started=started)
            except ConnectorError as exc:
                return _fail(conn, name, recorder, str(exc), now=now, started=started)
            except sqlite3.Error as exc:  # the store failed mid-pull (e.g. the ledger's write)
                return _store_failed(conn, name, recorder, exc, now=now, started=started)
            except Exception as exc:  # a connector bug must not take the store with it
                message = f"the {name} connector failed ({type(exc).__name__}); nothing was changed"
                return _fail(conn, name, recorder, message, now=now, started=started)
            duration = int((time.monotonic() - started) * 1000)
            try:
                return commit(conn, name, account, pull, recorder, now=now, duration=duration)
            except sqlite3.Error as exc:
                return _store_failed(conn, name, recorder, exc, now=now, started=started)
    except Timeout:
        raise OOError(
            f"another oO process has been syncing {name} for {LOCK_WAIT_S} s; try again later"
        ) from None


def store_error(name: str, exc: sqlite3.Error) -> str:
    """What a store failure during a sync is: the database's, in SQLite's words."""
    return f"{STORE_FAILED} while syncing {name} (SQLite: {exc}); nothing was changed"


def _store_failed(
    conn: sqlite3.Connection,
    name: str,
    recorder: Recorder,
    exc: sqlite3.Error,
    *,
    now: datetime,
    started: float,
) -> SyncResult:
    """The store, not the provider, failed: say so, and record it if the store lets us."""
    message = store_error(name, exc)
    try:
        return _fail(conn, name, recorder, message, now=now, started=started)
    except sqlite3.Error:
        duration = int((time.monotonic() - started) * 1000)
        return SyncResult(name, False, error=message, duration_ms=duration)


def commit(
    conn: sqlite3.Connection,
    name: str,
    account: str,
    pull: Pull,
    recorder: Recorder,
    *,
    now: datetime,
    duration: int,
) -> SyncResult:
    """Write a successful pull in ONE transaction (items, candidates, the source's state, a
    SourceSynced event and the egress entries), unless the source changed meanwhile."""
    with transaction(conn):
        recorder.flush(conn, now=now)
        current = _source(conn, name)
        if current is None or current["account"] != account:
            return SyncResult(name, False, error="disconnected during the pull")
        write(conn, name, pull, now=now)
        conn.execute(
            "UPDATE sources SET last_success = ?, last_error = NULL WHERE name = ?",
            (iso(now), name),
        )
        events.append(
            conn,
            sources_pb2.SourceSynced(
                source=name,
                ok=True,
                signals=len(pull.items) + len(pull.candidates),
                duration_ms=duration,
            ),
            now=now,
            source=name,
        )
    return SyncResult(name, True, len(pull.items), len(pull.candidates), None, duration)


def fail(
    conn: sqlite3.Connection, name: str, recorder: Recorder, message: str, *, now: datetime
) -> SyncResult:
    """Record a failed pull (the source's last error, a SourceSynced event, the egress)."""
    return _fail(conn, name, recorder, message, now=now, started=time.monotonic())


def connect(
    conn: sqlite3.Connection,
    name: str,
    account: str,
    secret: dict[str, Any],
    *,
    method: str,
    now: datetime,
    pull: Pull | None = None,
    recorder: Recorder | None = None,
) -> None:
    """Save the credential in the keyring, then record the source (and a first pull).

    The person must have consented to the source's current consent text first.
    """
    connector = base.get(name)
    consent.require(conn, name)
    old = _source(conn, name)
    install = install_id(conn)
    # First: a keyring failure leaves the store untouched.
    secrets.save(name, account, secret, install=install)
    try:
        with transaction(conn):
            if recorder is not None:
                recorder.flush(conn, now=now)
            conn.execute(
                "INSERT INTO sources (name, account, connected_at, last_success, last_error,"
                " freshness_target_s) VALUES (?, ?, ?, NULL, NULL, ?) ON CONFLICT (name) DO"
                " UPDATE SET account = excluded.account, connected_at = excluded.connected_at,"
                " last_success = NULL, last_error = NULL, cursor = NULL,"
                " freshness_target_s = excluded.freshness_target_s",
                (name, account, iso(now), int(base.freshness_target(connector).total_seconds())),
            )
            events.append(
                conn,
                sources_pb2.SourceConnected(source=name, method=method, scopes=connector.scopes),
                now=now,
                source=name,
            )
            if pull is not None:
                write(conn, name, pull, now=now)
                conn.execute("UPDATE sources SET last_success = ? WHERE name = ?", (iso(now), name))
                events.append(
                    conn,
                    sources_pb2.SourceSynced(
                        source=name, ok=True, signals=len(pull.items) + len(pull.candidates)
                    ),
                    now=now,
                    source=name,
                )
    except BaseException:
        if old is None or old["account"] != account:
            secrets.delete(name, account, install=install)
        raise
    if old is not None and old["account"] != account:
        secrets.delete(name, str(old["account"]), install=install)


def disconnect(
    conn: sqlite3.Connection,
    name: str,
    *,
    now: datetime,
    forget: bool = False,
    make_client: ClientFactory = client,
) -> DisconnectResult:
    """Revoke at the provider, delete the keyring entry and everything derived from the
    source (with `forget`, its history too). The local wipe happens even when revocation
    fails; the failure is reported in the result."""
    row = _source(conn, name)
    if row is None and not forget:
        raise OOError(f"{name} is not connected; nothing to disconnect", 2)
    revoked, revoke_error = False, None
    recorder = Recorder(source=name, purpose="revoke")
    if row is not None:
        account = str(row["account"])
        install = install_id(conn)
        try:
            secret = secrets.load(name, account, install=install)
            if secret is not None:
                connector = base.get(name)
                with make_client(recorder) as http:
                    connector.revoke(http, State(now, account, secret, install=install))
                revoked = True
            else:
                revoke_error = "the keyring had no credential to revoke"
        except OOError as exc:
            revoke_error = str(exc)
        except Exception as exc:
            revoke_error = f"revocation failed ({type(exc).__name__})"
        try:
            secrets.delete(name, account, install=install)
        except secrets.KeyringUnavailable as exc:
            revoke_error = f"{revoke_error + '; ' if revoke_error else ''}{exc}"
    if not forget and recorder.entries:
        with transaction(conn):
            recorder.flush(conn, now=now)
    note = sources_pb2.SourceDisconnected(
        source=name, revoked=revoked, revoke_error=revoke_error or "", forgotten=forget
    )
    counts = forget_source(conn, name, now=now, history=forget, note=note)
    return DisconnectResult(name, revoked, revoke_error, counts)


@dataclass
class ForgetResult:
    """What `oo forget` did: records deleted, sources disconnected, keyring entries removed."""

    counts: dict[str, int]
    disconnected: list[DisconnectResult]
    removed: list[str]  # `connector:account` names of the keyring entries removed
    keyring_error: str | None


def forget_everything(
    conn: sqlite3.Connection,
    *,
    now: datetime,
    adopt: tuple[tuple[str, str], ...] = (),
    make_client: ClientFactory = client,
) -> ForgetResult:
    """Revoke and remove every credential this data directory put in the keyring, then delete
    everything it holds. `adopt` names entries from before install ids that belong here
    (e.g. the configured LLM provider's key), so they go too. A keyring that cannot be reached
    does not stop the local wipe; the result says so."""
    from oo.privacy.forget import forget_all

    install = install_id(conn)
    keyring_error: str | None = None
    try:
        for connector, account in adopt:
            secrets.load_text(connector, account, install=install)
        before = set(secrets.held(install))
    except secrets.KeyringUnavailable as exc:
        keyring_error, before = str(exc), set()
    disconnected = [
        disconnect(conn, str(row["name"]), now=now, forget=True, make_client=make_client)
        for row in conn.execute("SELECT name FROM sources ORDER BY name").fetchall()
    ]
    if keyring_error is None:
        try:
            secrets.delete_all(install)
            left = set(secrets.held(install))
        except secrets.KeyringUnavailable as exc:
            keyring_error, left = str(exc), before
    else:
        left = before
    counts: dict[str, int] = {}
    for result in disconnected:
        for table, n in result.counts.items():
            counts[table] = counts.get(table, 0) + n
    for table, n in forget_all(conn, now=now).items():
        counts[table] = counts.get(table, 0) + n
    return ForgetResult(counts, disconnected, sorted(before - left), keyring_error)
