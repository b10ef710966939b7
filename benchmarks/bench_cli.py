"""Everyday commands cold, against `python -c pass` in the same run (issue 16).

Target: each everyday command <= 8x `python -c pass`; aim 5x. `oo tip` stays where it is
(bench_tip.py holds its own target). The data directory has a habit, a few moods and a
chosen tip, so every command does its real work.
"""

from __future__ import annotations

import os
import sys
import tempfile

from common import OO, medians, report, wall

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TARGET, AIM = 8.0, 5.0

COMMANDS: dict[str, list[str]] = {
    "oo tip": ["tip"],
    "oo --version": ["--version"],
    "oo mood 3": ["mood", "3"],
    "oo habit done": ["habit", "done", "stretch"],
    "oo habit list": ["habit", "list"],
    "oo history": ["history"],
    "oo why": ["why"],
    "oo status": ["status"],
    "oo --help": ["--help"],
}
EVERYDAY = ("oo mood 3", "oo habit done", "oo habit list", "oo history", "oo why", "oo status")


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {"OO_HOME": home}
        wall([OO, "habit", "add", "stretch"], env)
        wall([OO, "mood", "4"], env)
        wall([OO, "tip"], env)  # choose and store the first tip
        cmds = {"python -c pass": [sys.executable, "-c", "pass"]}
        cmds |= {name: [OO, *args] for name, args in COMMANDS.items()}
        times = medians(cmds, RUNS, env)
    base = times["python -c pass"]
    rows = []
    for name, t in times.items():
        ratio = t / base
        mark = ""
        if name in EVERYDAY:
            mark = "  ok" if ratio <= TARGET else "  OVER TARGET"
        rows.append((name, f"{t * 1000:7.1f} ms  {ratio:5.2f}x python{mark}"))
    report(f"start-up, median of {RUNS} cold runs (target <= {TARGET:.0f}x, aim {AIM:.0f}x)", rows)
    worst = max(EVERYDAY, key=lambda n: times[n])
    ratio = times[worst] / base
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"  slowest everyday command: {worst}, {ratio:.2f}x ({verdict} the {TARGET:.0f}x target)")


if __name__ == "__main__":
    main()
