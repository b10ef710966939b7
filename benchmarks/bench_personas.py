"""The persona suite: does oO learn a person within a week?

    .venv/bin/python benchmarks/bench_personas.py [--seeds 10] [--first-seed 0] [--jobs 2]

Six kinds of person (src/oo/engine/sim.py), each checking 3-6 times a day for 30 days,
over --seeds seeds. For each persona: the mean expected reward of the tips shown, week by
week, for the rules (oO's prior as a frozen policy), uniform, oO and the oracle; then the
day from which oO stays ahead of the rules (3-day mean, paired by seed), the share of the
rules-to-oracle gap it closes over days 22-30 (± half its 95 % interval over seeds), and
the weeks it is behind the rules.
Goals: ahead by day 7, at least 50 % of the gap closed, no week behind.

Tune on other seeds than the reported 0-9 (--first-seed 10), then check the result holds
on a third set: ten seeds move a persona's gap closed by several points.
"""

from __future__ import annotations

import argparse
import os
import time
from multiprocessing import Pool

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from oo.engine import sim


def _one(job: tuple[str, int]) -> list[sim.PersonaResult]:
    persona, seed = job
    return sim.simulate_personas(sim.persona_agents(), persona, [seed])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--personas", nargs="+", default=list(sim.PERSONAS))
    args = parser.parse_args()
    start = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [(p, s) for p in args.personas for s in seeds]
    with Pool(args.jobs) as pool:
        results = [r for chunk in pool.map(_one, jobs) for r in chunk]
    summaries = [sim.summarize([r for r in results if r.persona == p]) for p in args.personas]
    print(
        f"{len(args.personas)} personas x {args.seeds} seeds ({seeds.start}-{seeds.stop - 1}),"
        " 30 days, 3-6 decisions a day;"
        " mean expected reward of the tip shown"
    )
    print(sim.persona_table(summaries))
    met = sum(
        1
        for s in summaries
        if s.days_to_beat is not None
        and s.days_to_beat <= 7
        and s.gap_closed >= 0.5
        and s.weeks_behind == 0
    )
    print(f"\npersonas meeting all three goals: {met} of {len(summaries)}")
    print(f"(wall time {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
