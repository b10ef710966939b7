"""Other libraries' bandits in oO's simulator: Vowpal Wabbit and MABWiser (dev-only).

Each is used the way its documentation shows:
- Vowpal Wabbit `--cb_explore_adf` with the context as a shared namespace `s`, each
  candidate's features as namespace `a`, their interactions (`-q sa`), cost = 1 - reward.
- MABWiser LinUCB / LinTS with one arm per tip (its model is per arm, on the context),
  choosing the best expectation among the candidates on offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np  # noqa: TID253 - dev-only comparison code

from oo.engine.sim import Agent, AgentFactory, Array, World


def _line(prefix: str, values: Array) -> str:
    return prefix + " ".join(f"{i}:{v:.5g}" for i, v in enumerate(values) if v != 0.0)


class VowpalWabbit:
    def __init__(self, name: str, exploration: str, seed: int) -> None:
        import vowpalwabbit  # type: ignore[import-untyped]

        self.name = name
        self.vw = vowpalwabbit.Workspace(
            f"--cb_explore_adf --{exploration} -q sa --quiet --random_seed {seed}"
        )
        self.rng = np.random.default_rng(seed)
        self._lines: list[str] = []
        self._pmf: list[float] = []

    def choose(self, t: int, context: Array, actions: Array, ids: Sequence[str]) -> int:
        self._lines = [_line("shared |s ", context)] + [_line("|a ", a) for a in actions]
        self._pmf = list(self.vw.predict(self._lines))
        probs = np.asarray(self._pmf, dtype=np.float64)
        return int(self.rng.choice(len(probs), p=probs / probs.sum()))

    def update(
        self, context: Array, actions: Array, ids: Sequence[str], index: int, reward: float
    ) -> None:
        lines = list(self._lines)
        lines[index + 1] = f"0:{1.0 - reward}:{self._pmf[index]} {lines[index + 1]}"
        self.vw.learn(lines)


class MABWiser:
    def __init__(self, kind: str, world: World, seed: int) -> None:
        from mabwiser.mab import MAB, LearningPolicy  # type: ignore[import-untyped]

        self.name = f"MABWiser {kind}"
        policy: Any = (
            LearningPolicy.LinUCB(alpha=1.0)
            if kind == "LinUCB"
            else LearningPolicy.LinTS(alpha=1.0)
        )
        self.arms = list(dict.fromkeys(world.pool_ids))
        self.mab = MAB(arms=self.arms, learning_policy=policy, seed=seed)
        self.fitted = False
        self.rng = np.random.default_rng(seed)

    def choose(self, t: int, context: Array, actions: Array, ids: Sequence[str]) -> int:
        if not self.fitted:
            return int(self.rng.integers(len(ids)))
        expectations = self.mab.predict_expectations([context])
        values = [expectations[i] for i in ids]
        return int(np.argmax(values))

    def update(
        self, context: Array, actions: Array, ids: Sequence[str], index: int, reward: float
    ) -> None:
        if self.fitted:
            self.mab.partial_fit([ids[index]], [reward], [context])
        else:
            self.mab.fit([ids[index]], [reward], [context])
            self.fitted = True


def peer_agents() -> dict[str, AgentFactory]:
    """Peers whose libraries are installed; a missing one is reported, not fatal."""

    def vw(exploration: str) -> AgentFactory:
        def make(world: World, seed: int) -> Agent:
            name = "VW cb_explore_adf " + ("greedy" if "epsilon" in exploration else exploration)
            return VowpalWabbit(name.replace(" 5", ""), exploration, seed)

        return make

    def mab(kind: str) -> AgentFactory:
        def make(world: World, seed: int) -> Agent:
            return MABWiser(kind, world, seed)

        return make

    return {
        "MABWiser LinUCB": mab("LinUCB"),
        "MABWiser LinTS": mab("LinTS"),
        "VW cb_explore_adf squarecb": vw("squarecb"),
        "VW cb_explore_adf bag": vw("bag 5"),
        "VW cb_explore_adf greedy": vw("epsilon 0.0"),
    }
