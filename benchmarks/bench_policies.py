"""Speed of oO's default policy, beside Vowpal Wabbit's Python API, and of `oo done`.

    .venv/bin/python benchmarks/bench_policies.py [--decisions 20000] [--done-runs 15]

Prints, with oO's real dimensions (12 context x 24 candidate features) and 50 candidates:
- decision latency p50/p99 (choose only),
- decisions plus updates per second on one core, for oO and VW `--cb_explore_adf`,
- `oo done` wall time, cold (a fresh process each time: the reaction recorded and the
  standby shown; learning and the next standby follow in a background process, which the
  next run waits for, so each run finds a standby), median and p90, beside `python -c pass`
  in the same run (the ratio says how much of it is oO's own);
- bytes written per reaction (both halves: `oo done` and its catch-up): the WAL frames they
  append and the checkpoint that copies each distinct page into the database once, the size
  of the stored policy state, and how the database grows per reaction, table by table.
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

K = 50


def _stream(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    contexts = rng.random((n, features.CONTEXT_DIM))
    contexts[:, 0] = 1.0
    actions = (rng.random((n, K, features.ACTION_DIM)) < 0.3).astype(np.float64)
    rewards = rng.random((n, K))
    return contexts, actions, rewards


def bench_oo(n: int) -> tuple[float, float, float]:
    from oo.engine import state

    policy = state.fresh("default", seed=0)
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


def _settle(home: Path) -> None:
    from oo.engine import catchup

    if not catchup.wait(120, home=home):
        raise SystemExit("the background catch-up did not finish")


def bench_done(runs: int) -> dict[str, float]:
    import sqlite3

    oo = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"
    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    env = {**os.environ, "OO_HOME": str(home)}
    subprocess.run([oo, "tip"], env=env, check=True, capture_output=True)
    _settle(home)  # the standby, drawn in the background
    db = next(home.rglob("oo.db"))

    def tip_id(status: str) -> str | None:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT id FROM tips WHERE status = ?", (status,)).fetchone()
        return None if row is None else str(row[0])

    times, bare, at_once = [], [], 0
    for _ in range(runs):  # interleaved, so load on the machine hits both alike
        waiting = tip_id("standby")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, capture_output=True)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([oo, "done"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        at_once += waiting is not None and tip_id("current") == waiting
        _settle(home)

    def sizes() -> dict[str, int]:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        return {name: int(size) for name, size in rows}

    # Bytes written per reaction, both halves (`oo done` and its background catch-up): the
    # frames they append to the WAL, read from the WAL itself while a reader keeps it from
    # being checkpointed (as an open `oo watch` or daemon does), plus the checkpoint that
    # later copies each distinct page once into the database file.
    keep = sqlite3.connect(db)
    keep.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = int(keep.execute("PRAGMA page_size").fetchone()[0])
    keep.execute("BEGIN")
    keep.execute("SELECT COUNT(*) FROM tips").fetchone()  # a read snapshot: no checkpoint
    before = sizes()
    for _ in range(runs):
        subprocess.run([oo, "done"], env=env, check=True, capture_output=True)
        _settle(home)
    after = sizes()
    wal = Path(f"{db}-wal").read_bytes()
    pages = [
        int.from_bytes(wal[off : off + 4], "big")
        for off in range(32, len(wal) - page - 23, page + 24)
    ]
    keep.execute("COMMIT")
    keep.close()
    with sqlite3.connect(db) as conn:
        state = conn.execute("SELECT SUM(LENGTH(params)) FROM policy_state").fetchone()[0]
    shutil.rmtree(home, ignore_errors=True)
    times.sort()
    growth = {k: (after.get(k, 0) - before.get(k, 0)) / runs for k in after}
    return {
        "median": statistics.median(times),
        "p90": times[int(0.9 * (len(times) - 1))],
        "bare": statistics.median(bare),
        "at_once": at_once,
        "wal": len(pages) * (page + 24) / runs,
        "checkpoint": len(set(pages)) * page / runs,
        "page": float(page),
        "state": float(state),
        **{f"grow:{k}": v for k, v in growth.items() if v},
    }


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
    done = bench_done(args.done_runs)
    ratio = done["median"] / done["bare"]
    print(
        f"`oo done` cold, {args.done_runs} runs: median {done['median'] * 1e3:.0f} ms,"
        f" p90 {done['p90'] * 1e3:.0f} ms; `python -c pass` {done['bare'] * 1e3:.0f} ms,"
        f" ratio {ratio:.1f}  (target median <= 100 ms on an idle machine, where"
        f" `python -c pass` takes about 15 ms: ratio <= {100 / 15:.1f})"
    )
    print(f"  the standby was shown at once in {done['at_once']:.0f} of {args.done_runs} runs")
    written = done["wal"] + done["checkpoint"]
    print(
        f"bytes written per reaction: {written / 1024:.1f} KB (target <= 64 KB):"
        f" {done['wal'] / 1024:.1f} KB of WAL frames, {done['checkpoint'] / 1024:.1f} KB"
        f" checkpointed; {done['page']:.0f}-byte pages; stored policy state"
        f" {done['state'] / 1024:.1f} KB"
    )
    grown = ", ".join(
        f"{k.removeprefix('grow:')} {v / 1024:+.1f} KB"
        for k, v in sorted(done.items())
        if k.startswith("grow:")
    )
    print(f"database growth per reaction: {grown or 'none'}")


if __name__ == "__main__":
    main()
