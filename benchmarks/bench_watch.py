"""How `oo watch` feels in a real terminal (tmux): first paint, idle CPU, key to next tip.

Run: .venv/bin/python benchmarks/bench_watch.py [--idle-seconds 30] [--runs 5]
Targets (issue 8): first paint <= 0.5 s, idle CPU ~ 0 %, next tip <= 100 ms. Baselines
measured in the same run: `oo --version` (interpreter start) and `oo tip` (the fast path).
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
import uuid
from pathlib import Path

OO = shutil.which("oo", path=str(Path(sys.executable).parent)) or "oo"


class Tmux:
    def __init__(self, conf: Path) -> None:
        self.socket = f"oo-bench-{uuid.uuid4().hex[:10]}"
        self.conf = conf

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout  # fmt: skip

    def screen(self) -> str:
        return " ".join(self("capture-pane", "-p", "-t", "t").split())

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


def wait_until(check, timeout: float = 20.0) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > timeout:
            raise SystemExit("timed out: the watch face did not show what was expected")
    return time.perf_counter() - start


def current_text(db: Path) -> str:
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT text FROM tips WHERE status = 'current'").fetchone()
    return str(row[0])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(*args: str, env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([OO, *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("needs tmux (apt-get install tmux)")

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "oo-home"
        env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "OO_NOW"}}
        env["OO_HOME"] = str(home)
        conf = Path(tmp) / "tmux.conf"
        conf.write_text('set -g default-terminal "screen-256color"\n')
        subprocess.run([OO, "tip"], env=env, capture_output=True, check=True)  # a tip exists
        db = home / "oo.db"

        version = timed("--version", env=env, runs=opts.runs)
        tip = timed("tip", env=env, runs=opts.runs)

        paints = []
        for _ in range(opts.runs):
            tmux = Tmux(conf)
            text = current_text(db)
            try:
                start = time.perf_counter()
                tmux(
                    "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                    f"env OO_HOME={home} {OO} watch",
                )  # fmt: skip
                wait_until(lambda text=text, tmux=tmux: text in tmux.screen())
                paints.append(time.perf_counter() - start)
            finally:
                tmux.kill()
            time.sleep(0.2)

        tmux = Tmux(conf)
        try:
            text = current_text(db)
            tmux(
                "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                f"env OO_HOME={home} {OO} watch",
            )  # fmt: skip
            wait_until(lambda: text in tmux.screen())
            pid = int(tmux("display", "-p", "-t", "t", "#{pane_pid}").strip())
            time.sleep(6)  # let the hint line fade first
            cpu_before = cpu_seconds(pid)
            time.sleep(opts.idle_seconds)
            idle_cpu = (cpu_seconds(pid) - cpu_before) / opts.idle_seconds * 100
            rss = rss_mb(pid)

            nexts = []
            for _ in range(opts.runs * 2):
                old = current_text(db)
                start = time.perf_counter()
                tmux("send-keys", "-t", "t", "d")
                wait_until(lambda old=old: old not in tmux.screen())
                nexts.append(time.perf_counter() - start)
                time.sleep(0.1)
        finally:
            tmux.kill()

    paint = statistics.median(paints)
    nxt = statistics.median(nexts)
    print(f"baseline  oo --version          {version * 1000:7.0f} ms")
    print(f"baseline  oo tip                {tip * 1000:7.0f} ms")
    print(
        f"first paint (median of {len(paints)})   {paint * 1000:7.0f} ms"
        f"   target 500 ms  ratio {paint / 0.5:.2f}   {paint / version:.1f}x oo --version"
    )
    print(
        f"idle CPU over {opts.idle_seconds:.0f} s         {idle_cpu:7.2f} %"
        f"    target ~0 %   ({rss:.0f} MB resident)"
    )
    print(
        f"key to next tip (median of {len(nexts)}) {nxt * 1000:5.0f} ms"
        f"   target 100 ms  ratio {nxt / 0.1:.2f}   max {max(nexts) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
