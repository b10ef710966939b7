"""Resident daemon with a learned policy: idle RSS, peak RSS and CPU over a window (default 60 s).

Usage: .venv/bin/python benchmarks/bench_daemon.py [SECONDS]
Makes a fresh data directory whose policy has learned from a few reactions, with the current
tip already over, then starts `oo daemon run`: its first round of jobs expires that tip and
chooses the next with the learned policy (in a child: numpy never loads in the daemon). Once
the round is done, samples /proc over the window. Prints figures and their ratio to the
targets (idle RSS <= 45 MB, peak <= 60 MB, CPU < 1 %), plus a bare Python for comparison.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oo.heavy import RESIDENT_DAEMON, heavy_loaded

TARGET_IDLE_MB = 45.0
TARGET_PEAK_MB = 60.0
TARGET_CPU = 1.0
CLK = os.sysconf("SC_CLK_TCK")
REACTIONS = ("done", "dismiss", "useful", "done", "dismiss", "done")


def status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def learned_policy(oo: str, env: dict[str, str]) -> int:
    """React to a few tips yesterday, so the policy has learned; the last tip is over now."""
    yesterday = datetime.now(UTC) - timedelta(days=1)
    seeded = {**env, "OO_NOW": yesterday.isoformat()}
    subprocess.run([oo, "tip"], env=seeded, check=True, capture_output=True)
    for reaction in REACTIONS:
        subprocess.run([oo, reaction], env=seeded, check=True, capture_output=True)
    return len(REACTIONS)


def main() -> None:
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    oo = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"
    home = Path(tempfile.mkdtemp(prefix="oo-bench-"))
    env = {**os.environ, "OO_HOME": str(home), "OO_DEBUG": "1"}
    env.pop("OO_NOW", None)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # no notification server: measure oO itself
    learned = learned_policy(oo, env)
    proc = subprocess.Popen(
        [oo, "daemon", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        info: dict[str, object] = {}
        while time.monotonic() < deadline:
            try:
                info = json.loads((home / "daemon.json").read_text())
            except (FileNotFoundError, ValueError):
                info = {}
            if len(info.get("runs", {})) >= 6:  # type: ignore[arg-type]
                break
            time.sleep(0.1)
        modules = list(info.get("modules", []))  # type: ignore[call-overload]
        heavy = sorted(heavy_loaded(modules, allowed=RESIDENT_DAEMON))
        policy_loaded = "numpy" in modules
        start_cpu, start = cpu_s(proc.pid), time.monotonic()
        idle = 0.0
        while time.monotonic() - start < window:
            idle = max(idle, status_mb(proc.pid, "VmRSS"))
            time.sleep(0.5)
        cpu = (cpu_s(proc.pid) - start_cpu) / (time.monotonic() - start) * 100
        peak = status_mb(proc.pid, "VmHWM")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    conn_db = home / "oo.db"
    import sqlite3

    with sqlite3.connect(conn_db) as conn:
        tips = conn.execute("SELECT COUNT(*) FROM tips").fetchone()[0]
        current = conn.execute("SELECT COUNT(*) FROM tips WHERE status = 'current'").fetchone()[0]
    shutil.rmtree(home, ignore_errors=True)
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    time.sleep(1)
    bare_rss = status_mb(bare.pid, "VmRSS")
    bare.wait()
    print(f"window           {window:.0f} s idle after the first round of jobs")
    print(f"learned policy   {learned} reactions learned; {tips} tips, {current} current")
    print(
        f"idle RSS         {idle:.1f} MB (target {TARGET_IDLE_MB:.0f} MB, ratio "
        f"{idle / TARGET_IDLE_MB:.2f}); bare Python {bare_rss:.1f} MB"
    )
    print(
        f"peak RSS         {peak:.1f} MB (target {TARGET_PEAK_MB:.0f} MB, ratio "
        f"{peak / TARGET_PEAK_MB:.2f})"
    )
    ratio = cpu / TARGET_CPU
    print(f"CPU idle         {cpu:.3f} % (target < {TARGET_CPU:.0f} %, ratio {ratio:.3f})")
    allowed = ", ".join(sorted(RESIDENT_DAEMON))
    print(f"heavy modules    {', '.join(heavy) or 'none'} (beyond {allowed})")
    print(f"learning policy  {'resident (numpy)' if policy_loaded else 'in a child only'}")


if __name__ == "__main__":
    main()
