"""Speed of oO's default policy, beside Vowpal Wabbit's Python API, and of `oo done`.

    .venv/bin/python benchmarks/bench_policies.py [--decisions 20000] [--done-runs 15]

Prints, with oO's real dimensions (12 context x 24 candidate features) and 50 candidates:
- decision latency p50/p99 (choose only),
- decisions plus updates per second on one core, for oO and VW `--cb_explore_adf`,
- `oo done` wall time, cold (a fresh process each time: the reaction recorded, the
  policies updated, the next tip chosen and stored), median and p90.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from oo.engine import features
from oo.engine.policies import Prior, get_policy

K = 50


def _stream(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    contexts = rng.random((n, features.CONTEXT_DIM))
    contexts[:, 0] = 1.0
    actions = (rng.random((n, K, features.ACTION_DIM)) < 0.3).astype(np.float64)
    rewards = rng.random((n, K))
    return contexts, actions, rewards


def bench_oo(n: int) -> tuple[float, float, float]:
    prior = Prior(np.array(features.prior_weights()), np.array(features.prior_precision()))
    policy = get_policy(
        "default",
        context_dim=features.CONTEXT_DIM,
        action_dim=features.ACTION_DIM,
        seed=0,
        prior=prior,
    )
    contexts, actions, rewards = _stream(n)
    for t in range(200):  # warm up (BLAS, caches, the switch to in-place updates)
        d = policy.choose(contexts[t], actions[t])
        policy.update(contexts[t], actions[t], d.index, rewards[t, d.index])
    latencies = np.empty(n)
    start = time.perf_counter()
    for t in range(n):
        t0 = time.perf_counter()
        d = policy.choose(contexts[t], actions[t])
        latencies[t] = time.perf_counter() - t0
        policy.update(contexts[t], actions[t], d.index, rewards[t, d.index])
    total = time.perf_counter() - start
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)), n / total


def bench_vw(n: int) -> float | str:
    try:
        import vowpalwabbit  # type: ignore[import-untyped]
    except ImportError:
        return "not installed"
    vw = vowpalwabbit.Workspace("--cb_explore_adf --squarecb -q sa --quiet")
    contexts, actions, rewards = _stream(n)
    rng = np.random.default_rng(0)

    def line(prefix: str, values: np.ndarray) -> str:
        return prefix + " ".join(f"{i}:{v:.5g}" for i, v in enumerate(values) if v)

    start = time.perf_counter()
    for t in range(n):
        lines = [line("shared |s ", contexts[t])] + [line("|a ", a) for a in actions[t]]
        pmf = np.asarray(vw.predict(lines))
        j = int(rng.choice(K, p=pmf / pmf.sum()))
        lines[j + 1] = f"0:{1 - rewards[t, j]}:{pmf[j]} " + lines[j + 1]
        vw.learn(lines)
    rate = n / (time.perf_counter() - start)
    vw.finish()
    return rate


def bench_done(runs: int) -> tuple[float, float]:
    oo = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"
    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    env = {**os.environ, "OO_HOME": str(home)}
    subprocess.run([oo, "tip"], env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([oo, "done"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    shutil.rmtree(home, ignore_errors=True)
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--vw-decisions", type=int, default=3_000)
    parser.add_argument("--done-runs", type=int, default=15)
    args = parser.parse_args()
    p50, p99, rate = bench_oo(args.decisions)
    print(f"oO default, {features.CONTEXT_DIM}x{features.ACTION_DIM} features, {K} candidates:")
    print(f"  decision p50 {p50 * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms   (target p99 <= 0.1 ms)")
    print(f"  decisions + updates per second: {rate:,.0f}   (target >= 10,000)")
    vw = bench_vw(args.vw_decisions)
    if isinstance(vw, str):
        print(f"VW cb_explore_adf squarecb: {vw}")
    else:
        print(
            f"VW cb_explore_adf squarecb (Python API): {vw:,.0f} per second"
            f"  -> oO is {rate / vw:.1f}x"
        )
    median, p90 = bench_done(args.done_runs)
    print(
        f"`oo done` cold, {args.done_runs} runs: median {median * 1e3:.0f} ms,"
        f" p90 {p90 * 1e3:.0f} ms   (target median <= 250 ms)"
    )


if __name__ == "__main__":
    main()
