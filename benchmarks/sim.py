"""Regret of oO's policies beside uniform, an oracle, MABWiser and Vowpal Wabbit.

    .venv/bin/python benchmarks/sim.py [--steps 20000] [--seeds 0 1 2] [--jobs 2]

Prints cumulative regret as a share of the oracle at 300, 1,000 and 20,000 decisions
(mean over user types and seeds) and each policy's decisions plus updates per second.
MABWiser is per-arm and slow (about 100 decisions a second), so it runs only the first
--mabwiser-steps decisions (its 20,000 column is '-' unless raised).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from oo.engine import sim


def _factories(with_peers: bool) -> dict[str, sim.AgentFactory]:
    factories = dict(sim.oo_agents())
    if with_peers:
        try:
            from oo.engine.peers import peer_agents

            factories.update(peer_agents())
        except ImportError as exc:
            print(f"peers unavailable: {exc}", file=sys.stderr)
    return factories


def _one(job: tuple[str, int, int, int, bool]) -> list[sim.Result]:
    user, seed, steps, mab_steps, with_peers = job
    warnings.simplefilter("ignore")
    results = []
    world = sim.World(user, seed, steps)
    short = sim.World(user, seed, min(steps, mab_steps)) if mab_steps < steps else world
    for name, make in _factories(with_peers).items():
        target = short if name.startswith("MABWiser") else world
        try:
            results.append(sim.run(target, make(target, seed)))
        except Exception as exc:
            results.append(sim.Result(name, user, seed, {}, 0.0, f"failed: {exc}"))
        print(f"  {user} seed {seed} {name} done", file=sys.stderr, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--users", nargs="+", default=list(sim.USER_TYPES))
    parser.add_argument("--mabwiser-steps", type=int, default=1_000)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [
        (u, s, args.steps, args.mabwiser_steps, not args.no_peers)
        for u in args.users
        for s in args.seeds
    ]
    start = time.perf_counter()
    with Pool(args.jobs) as pool:
        results = [r for chunk in pool.map(_one, jobs) for r in chunk]
    print(
        f"{len(args.users)} user types x {len(args.seeds)} seeds, {args.steps:,} decisions,"
        f" 20 candidates each; regret = share of the oracle's expected reward"
    )
    print(sim.table(results))
    print("\nper user type:")
    for user in args.users:
        print(f"\n[{user}]")
        print(sim.table([r for r in results if r.user == user]))
    print(f"\n(wall time {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
