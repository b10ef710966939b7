"""`oo tip` cold with a tip already chosen, against `python -c pass` in the same run.

Target (issue 3): median wall <= 5x `python -c pass`; aim for 3x.
Also: `oo --version`, `oo done` and `oo mood`. Here `oo done` runs back to back, as a script
would, so some runs find the standby not yet drawn by the previous run's background
catch-up and choose in the process; `benchmarks/bench_policies.py` times a person's pace.
"""

from __future__ import annotations

import sys
import tempfile

from common import OO, medians, report, wall

RUNS = 30


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {"OO_HOME": home}
        wall([OO, "tip"], env)  # create the database and choose the first tip
        cold = medians(
            {
                "python -c pass": [sys.executable, "-c", "pass"],
                "oo tip": [OO, "tip"],
                "oo tip --json": [OO, "tip", "--json"],
                "oo --version": [OO, "--version"],
            },
            RUNS,
            env,
        )
        writes = medians({"oo done": [OO, "done"], "oo mood 3": [OO, "mood", "3"]}, RUNS // 2, env)
    base = cold["python -c pass"]
    rows = [(name, f"{t * 1000:7.1f} ms  {t / base:5.2f}x python") for name, t in cold.items()]
    rows += [(name, f"{t * 1000:7.1f} ms  {t / base:5.2f}x python") for name, t in writes.items()]
    report(f"oo tip (median of {RUNS} cold runs, a tip already chosen)", rows)
    ratio = cold["oo tip"] / base
    verdict = "meets" if ratio <= 5 else "MISSES"
    print(f"  oo tip / python -c pass = {ratio:.2f}x ({verdict} the 5x target; aim 3x)")


if __name__ == "__main__":
    main()
