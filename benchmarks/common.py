"""Helpers for benchmarks: time commands as a person runs them, report medians and ratios."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

OO = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"


def wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env={**os.environ, **(env or {})}, check=True, capture_output=True)
    return time.perf_counter() - start


def medians(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Median wall time of each command; runs are interleaved so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            samples[name].append(wall(cmd, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n{title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
