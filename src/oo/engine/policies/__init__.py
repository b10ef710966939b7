"""Contextual-bandit policies over context ⊗ candidate features, on plain numpy arrays.

Usable on their own, outside oO::

    policy = get_policy("default", context_dim=dc, action_dim=da, seed=0)
    d = policy.choose(context, actions)        # context (dc,), actions (k, da)
    policy.update(context, actions, d.index, reward)   # reward in [0, 1]

Every decision carries the probability with which it was drawn (`d.propensity`), never
below a known floor, so logged decisions can evaluate other policies off-line.
"""

from __future__ import annotations

import os
from typing import Any

# Small matrices: BLAS threads cost more than they save (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from oo.engine.policies.base import Decision, Policy, PolicyError
from oo.engine.policies.linear import LinearBandit, Prior
from oo.engine.policies.simple import Uniform

__all__ = [
    "POLICIES",
    "Decision",
    "LinearBandit",
    "Policy",
    "PolicyError",
    "Prior",
    "Uniform",
    "get_policy",
    "policy_settings",
    "restore",
]

# name -> (one-line description, settings). "default" is oO's own.
POLICIES: dict[str, tuple[str, dict[str, float]]] = {
    "default": (
        "ridge regression forgetting slowly toward the prior, optimism bonus, inverse-gap draw",
        {"bonus": 0.6, "gamma": 10000.0, "forget": 0.9995, "strength": 2.0, "floor": 0.003},
    ),
    "greedy": (
        "the same model, greedy apart from the 1 % uniform floor",
        {"bonus": 0.0, "gamma": 1e6, "forget": 0.999, "strength": 1.0},
    ),
    "squarecb": (
        "the same model, inverse-gap-weighted sampling (SquareCB) with a low gamma",
        {"bonus": 0.0, "gamma": 50.0, "forget": 0.999, "strength": 1.0},
    ),
    "linucb": (
        "LinUCB: ridge regression with a large optimism bonus and no forgetting",
        {"bonus": 0.3, "gamma": 1e6, "forget": 1.0, "strength": 1.0},
    ),
    "prior": (
        "oO's prior alone, never learning (the rules as a policy)",
        {"bonus": 0.0, "gamma": 300.0, "forget": 1.0, "strength": 1.0, "frozen": 1.0},
    ),
    "uniform": ("uniform random over the candidates", {}),
}


def policy_settings(name: str, tuning: dict[str, float] | None = None) -> dict[str, float]:
    """A named policy's settings (see POLICIES) with `tuning` replacing some of them."""
    return {**POLICIES[name][1], **(tuning or {})}


def get_policy(
    name: str,
    *,
    context_dim: int,
    action_dim: int,
    seed: int | None = 0,
    prior: Prior | None = None,
    intercept: bool = True,
    mask: Any = None,
    tuning: dict[str, float] | None = None,
) -> Policy:
    """A fresh policy by name (see POLICIES).

    `intercept` appends a constant 1 to the context (pass False when the context already
    has one); `mask` (context_dim [+1 with intercept] x action_dim, bool) picks the weights
    to learn, the others staying at the prior mean (None: learn them all); `tuning`
    replaces some of the policy's settings (bonus, gamma, forget, strength, floor, and the
    change-of-taste watch: alarm, drop, keep, trial, margin).
    """
    if name not in POLICIES:
        raise PolicyError(f"unknown policy {name!r}; known: {', '.join(POLICIES)}")
    if name == "uniform":
        return Uniform(context_dim, action_dim, seed=seed)
    settings = policy_settings(name, tuning)
    return LinearBandit(
        name,
        context_dim,
        action_dim,
        seed=seed,
        prior=prior,
        bonus=settings["bonus"],
        gamma=settings["gamma"],
        forget=settings["forget"],
        strength=settings["strength"],
        floor=settings.get("floor", 0.01),
        frozen=bool(settings.get("frozen", 0.0)),
        intercept=intercept,
        mask=mask,
        alarm=settings.get("alarm", 0.0),
        drop=settings.get("drop", 0.1),
        keep=settings.get("keep", 0.5),
        trial=int(settings.get("trial", 0)),
        margin=settings.get("margin", 2.0),
    )


def restore(blob: bytes, *, seed: int | None = None) -> Policy:
    """A policy from `policy.to_bytes()`; raises PolicyError when the blob is damaged."""
    from oo.engine.policies.base import load_blob

    return load_blob(
        blob,
        {
            "linear": lambda config, arrays: LinearBandit.from_state(config, arrays, seed=seed),
            "uniform": lambda config, _arrays: Uniform.from_state(config, seed=seed),
        },
    )
