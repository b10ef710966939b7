"""Resident daemon, idle between jobs: peak RSS and CPU over a window (default 60 s).

Usage: .venv/bin/python benchmarks/bench_daemon.py [SECONDS]
Starts `oo daemon run` against a fresh data directory (it chooses the first tip), waits until its
first round of jobs is done, then samples /proc for the window. Prints figures and their
ratio to the targets (RSS <= 60 MB, CPU < 1 %), plus a bare Python for comparison.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oo.heavy import RESIDENT_DAEMON, heavy_loaded

TARGET_RSS_MB = 60.0
TARGET_CPU = 1.0
CLK = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # peak resident set
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def main() -> None:
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    oo = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"
    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    env = {**os.environ, "OO_HOME": str(home), "OO_DEBUG": "1"}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no notification server: measure oO itself
    # No tip chosen beforehand: the daemon's first round chooses one, so the learning policy
    # (numpy) is resident during the window, as it is in a daemon that has run a while.
    proc = subprocess.Popen(
        [oo, "daemon", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                info = json.loads((home / "daemon.json").read_text())
            except (FileNotFoundError, ValueError):
                info = {}
            if len(info.get("runs", {})) >= 6:
                break
            time.sleep(0.1)
        heavy = sorted(heavy_loaded(info["modules"], allowed=RESIDENT_DAEMON))
        policy_loaded = "numpy" in info["modules"]
        start_cpu, start = cpu_s(proc.pid), time.monotonic()
        time.sleep(window)
        cpu = (cpu_s(proc.pid) - start_cpu) / (time.monotonic() - start) * 100
        peak = rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    time.sleep(1)
    bare_rss = rss_mb(bare.pid)
    bare.wait()
    print(f"window           {window:.0f} s idle after the first round of jobs")
    print(
        f"peak RSS         {peak:.1f} MB (target {TARGET_RSS_MB:.0f} MB, ratio "
        f"{peak / TARGET_RSS_MB:.2f}); bare Python {bare_rss:.1f} MB"
    )
    ratio = cpu / TARGET_CPU
    print(f"CPU idle         {cpu:.3f} % (target < {TARGET_CPU:.0f} %, ratio {ratio:.3f})")
    allowed = ", ".join(sorted(RESIDENT_DAEMON))
    print(f"heavy modules    {', '.join(heavy) or 'none'} (beyond {allowed})")
    print(f"learning policy  {'resident (numpy)' if policy_loaded else 'not loaded yet'}")


if __name__ == "__main__":
    main()
