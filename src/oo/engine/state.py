"""Where policies live between commands: their parameters in the `policy_state` table.

One policy is active (it chooses what a person sees); others run in its shadow (they see
the same candidates, their choices are logged, they learn from the same rewards) until
off-policy evaluation shows one is better (`oo policy promote`).

A damaged parameter blob is reset to the prior, logged and recorded as a PolicyReset
event; it never stops a command.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from oo.clock import iso
from oo.engine import features
from oo.engine.policies import (
    POLICIES,
    Policy,
    PolicyError,
    Prior,
    get_policy,
    policy_settings,
    restore,
)
from oo.events.v1 import tips_pb2
from oo.store import events

log = logging.getLogger("oo.engine")

DEFAULT_ACTIVE = "default"
DEFAULT_SHADOWS = ("greedy",)


def fresh(name: str, seed: int | None = None) -> Policy:
    """A policy with oO's prior and no experience yet."""
    import numpy as np  # heavy: only where a decision is made

    prior = Prior(np.array(features.prior_weights()), np.array(features.prior_precision()))
    return get_policy(
        name,
        context_dim=features.CONTEXT_DIM,
        action_dim=features.ACTION_DIM,
        seed=seed,
        prior=prior,
        intercept=False,  # the context's first feature is a constant
        tuning=features.tuning(name),
        mask=np.array(features.learned_mask()),
    )


def _ensure(conn: sqlite3.Connection, now: datetime) -> None:
    if conn.execute("SELECT 1 FROM policy_state LIMIT 1").fetchone() is not None:
        return
    for role, names in (("active", (DEFAULT_ACTIVE,)), ("shadow", DEFAULT_SHADOWS)):
        for name in names:
            save(conn, fresh(name), now=now, role=role)


def save(
    conn: sqlite3.Connection, policy: Policy, *, now: datetime, role: str | None = None
) -> None:
    if role is None:
        conn.execute(
            "UPDATE policy_state SET version = ?, params = ?, updates = ?, updated_at = ?"
            " WHERE name = ?",
            (policy.version, policy.to_bytes(), policy.updates, iso(now), policy.name),
        )
    else:
        conn.execute(
            "INSERT OR REPLACE INTO policy_state (name, role, version, params, updates, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (policy.name, role, policy.version, policy.to_bytes(), policy.updates, iso(now)),
        )


def _migrate(policy: Policy) -> Policy:
    """A policy stored by another version of oO goes on with the current feature map and
    tuning, keeping what it learned (about the weights both maps share)."""
    import numpy as np  # heavy: only where a decision is made

    from oo.engine.policies import LinearBandit

    if not isinstance(policy, LinearBandit):
        return policy
    mask = np.array(features.learned_mask())
    if policy.mask.shape != mask.shape or (policy.mask != mask).any():
        policy = policy.project(mask)
    settings = policy_settings(policy.name, features.tuning(policy.name))
    settings.pop("frozen", None)  # a frozen policy stays frozen, and a learning one learns
    stored = policy.config()
    if any(stored.get(key) != value for key, value in settings.items()):
        policy = policy.retuned(settings)
    return policy


def _restore(
    conn: sqlite3.Connection, name: str, blob: bytes, *, now: datetime, seed: int | None
) -> Policy:
    try:
        policy = restore(blob, seed=seed)
        if (policy.context_dim, policy.action_dim) != (features.CONTEXT_DIM, features.ACTION_DIM):
            raise PolicyError("its features differ from this oO's")
        if policy.name != name:
            raise PolicyError(f"it holds policy {policy.name!r}")
        return _migrate(policy)
    except PolicyError as exc:
        reason = str(exc)
    log.warning("policy %s: parameters reset to the prior (%s)", name, reason)
    events.append(conn, tips_pb2.PolicyReset(policy=name, reason=reason), now=now)
    policy = fresh(name if name in POLICIES else DEFAULT_ACTIVE, seed)
    save(conn, policy, now=now)
    return policy


def load(
    conn: sqlite3.Connection, *, now: datetime, seed: int | None = None
) -> list[tuple[str, Policy]]:
    """(role, policy) for the active policy first, then the shadows. Call in a transaction."""
    _ensure(conn, now)
    loaded = []
    for row in conn.execute(
        "SELECT name, role, params FROM policy_state ORDER BY role = 'shadow', name"
    ).fetchall():
        if row["name"] not in POLICIES:
            continue
        loaded.append((row["role"], _restore(conn, row["name"], row["params"], now=now, seed=seed)))
    if not loaded or loaded[0][0] != "active":
        policy = fresh(DEFAULT_ACTIVE, seed)
        save(conn, policy, now=now, role="active")
        loaded.insert(0, ("active", policy))
    return loaded


def roles(conn: sqlite3.Connection) -> dict[str, tuple[str, int, str]]:
    """name -> (role, updates, updated_at) for the stored policies."""
    return {
        row["name"]: (row["role"], int(row["updates"]), row["updated_at"])
        for row in conn.execute("SELECT name, role, updates, updated_at FROM policy_state")
    }
