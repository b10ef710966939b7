"""oO's policy API on plain arrays against a plain numpy LinUCB, on a linear simulator.

    .venv/bin/python benchmarks/bench_linear.py [--seeds 10] [--steps 20000] [--jobs 2]

A caller's context has no constant (5 standard-normal numbers); each decision offers 10
candidates with 6 features each. The expected reward is linear with intercepts,
0.5 + a @ u + c @ W @ a (clipped to 0.05..0.95), and the reward is drawn from it (0 or 1).
A "changing" person draws new u and W halfway. Printed: cumulative regret (the oracle's
expected reward minus the policy's) at 300, 1,000 and 20,000 decisions for a stationary
person, and the regret over the second half for a changing one, mean over seeds, for

- oO: `get_policy("default", context_dim=5, action_dim=6)` used as documented;
- LinUCB: ridge (lambda 1) on [1, c] ⊗ a, alpha 1, argmax (the textbook algorithm).

Goal: oO's regret no higher than LinUCB's at every checkpoint, and lower after a change.
"""

from __future__ import annotations

import argparse
import os
import time
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from oo.engine.policies import get_policy

DC, DA, K = 5, 6, 10
CHECKPOINTS = (300, 1_000, 20_000)


class LinUCB:
    """Textbook LinUCB (Li et al. 2010, shared model) on [1, c] ⊗ a, in plain numpy."""

    def __init__(self, alpha: float = 1.0) -> None:
        d = (DC + 1) * DA
        self.alpha = alpha
        self.p = np.eye(d)  # A^-1, kept by Sherman-Morrison
        self.b = np.zeros(d)

    @staticmethod
    def features(c: np.ndarray, actions: np.ndarray) -> np.ndarray:
        c1 = np.append(1.0, c)
        out: np.ndarray = (c1[None, :, None] * actions[:, None, :]).reshape(len(actions), -1)
        return out

    def choose(self, c: np.ndarray, actions: np.ndarray) -> int:
        x = self.features(c, actions)
        theta = self.p @ self.b
        width = np.sqrt(np.maximum(((x @ self.p) * x).sum(axis=1), 0.0))
        return int(np.argmax(x @ theta + self.alpha * width))

    def update(self, c: np.ndarray, actions: np.ndarray, index: int, reward: float) -> None:
        x = self.features(c, actions)[index]
        u = self.p @ x
        self.p -= np.outer(u, u) / (1.0 + x @ u)
        self.b += reward * x


def _person(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 0.12, DA), rng.normal(0, 0.06, (DC, DA))


def run(seed: int, steps: int, change: bool) -> dict[str, np.ndarray]:
    """Per-step regret of each agent on one simulated person."""
    rng = np.random.default_rng([seed, int(change)])
    u, w = _person(rng)
    later = _person(rng)
    contexts = rng.normal(0, 1, (steps, DC))
    actions = rng.normal(0, 1, (steps, K, DA))
    noise = rng.random(steps)
    ours = get_policy("default", context_dim=DC, action_dim=DA, seed=seed)
    baseline = LinUCB(1.0)
    names = ("oO default", "LinUCB alpha 1")
    regret = {name: np.zeros(steps) for name in names}
    for t in range(steps):
        if change and t == steps // 2:
            u, w = later
        c, a = contexts[t], actions[t]
        mean = np.clip(0.5 + a @ u + a @ (c @ w), 0.05, 0.95)
        best = mean.max()
        for name in names:
            j = baseline.choose(c, a) if name == names[1] else ours.choose(c, a).index
            r = 1.0 if noise[t] < mean[j] else 0.0
            if name == names[1]:
                baseline.update(c, a, j, r)
            else:
                ours.update(c, a, j, r)
            regret[name][t] = best - mean[j]
    return regret


def _job(job: tuple[int, int, bool]) -> tuple[bool, dict[str, np.ndarray]]:
    seed, steps, change = job
    return change, run(seed, steps, change)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    jobs = [(s, args.steps, change) for change in (False, True) for s in range(args.seeds)]
    with Pool(args.jobs) as pool:
        done = pool.map(_job, jobs)
    names = list(done[0][1])
    half = args.steps // 2
    print(
        f"linear simulator: {DC} context x {DA} candidate features (no constant), {K} candidates,"
        f" {args.seeds} seeds; cumulative regret, mean over seeds"
    )
    cols = [n for n in CHECKPOINTS if n <= args.steps]
    head = f"{'policy':<16}" + "".join(f"{'@' + format(n, ','):>10}" for n in cols)
    head += f"{'after change':>14}"
    print(head)
    print("-" * len(head))
    for name in names:
        still = np.array([r[name] for change, r in done if not change])
        moved = np.array([r[name] for change, r in done if change])
        cells = "".join(f"{still[:, :n].sum(axis=1).mean():>10.1f}" for n in cols)
        cells += f"{moved[:, half:].sum(axis=1).mean():>14.1f}"
        print(f"{name:<16}{cells}")
    print(f"(wall time {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
