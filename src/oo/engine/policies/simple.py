"""Uniform random: the baseline every learning policy must beat."""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: TID253 - this package exists to run numpy policies

from oo.engine.policies.base import (
    Array,
    Decision,
    check_inputs,
    check_offsets,
    check_reward,
    dump_blob,
)


class Uniform:
    version = "1"

    def __init__(self, context_dim: int, action_dim: int, *, seed: int | None = 0) -> None:
        self.name = "uniform"
        self.context_dim = context_dim
        self.action_dim = action_dim
        self.updates = 0
        self._rng = np.random.default_rng(seed)

    def probabilities(
        self, context: Array, actions: Array, *, offsets: Array | None = None
    ) -> Array:
        _, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        check_offsets(offsets, a.shape[0])  # uniform ignores preferences by design
        return np.full(a.shape[0], 1.0 / a.shape[0])

    def choose(self, context: Array, actions: Array, *, offsets: Array | None = None) -> Decision:
        probs = self.probabilities(context, actions, offsets=offsets)
        index = int(self._rng.integers(len(probs)))
        return Decision(index, float(probs[index]), np.zeros(len(probs)), probs)

    def update(self, context: Array, actions: Array, index: int, reward: float) -> None:
        check_inputs(context, actions, self.context_dim, self.action_dim)
        check_reward(reward)
        self.updates += 1

    def to_bytes(self) -> bytes:
        config = {"dims": [self.context_dim, self.action_dim], "updates": self.updates}
        return dump_blob("uniform", config, {})

    @classmethod
    def from_state(cls, config: dict[str, Any], *, seed: int | None = None) -> Uniform:
        policy = cls(int(config["dims"][0]), int(config["dims"][1]), seed=seed)
        policy.updates = int(config["updates"])
        return policy
