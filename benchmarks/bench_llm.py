"""The generator child against a loopback model: wall time and peak memory of a full run
against an instant loopback model and of a run that finds nothing listening, next to the
paths a person waits on, all measured in this run.

Usage: .venv/bin/python benchmarks/bench_llm.py [RUNS]
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers.llm import LLMServer

OO = str(Path(sys.executable).parent / "oo")


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def best(argv: list[str], env: dict[str, str], runs: int, code: int = 0) -> tuple[float, float]:
    results = [measure(argv, env) for _ in range(runs)]
    assert all(c == code for _, _, c in results), (argv, results)
    return min(r[0] for r in results), max(r[1] for r in results)


def modules_after(code: str, env: dict[str, str]) -> list[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(m for m in sys.modules"
    probe += " if m.split('.')[0] in ('litellm', 'openai', 'tiktoken'))))"
    argv = [sys.executable, "-c", probe]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    home = tempfile.mkdtemp(prefix="oo-bench-")
    env = {**os.environ, "OO_HOME": home}
    with LLMServer("good") as server:
        for args in (
            ("config", "set", "llm.api-base", server.base_url),
            ("habit", "add", "Stretch"),
            ("mood", "3", "--note", "tired after lunch"),
            ("tip",),
        ):
            subprocess.run([OO, *args], env=env, check=True, capture_output=True)
        gen_wall, gen_rss = best([sys.executable, "-m", "oo.llm.generate"], env, runs)
        tip_wall, tip_rss = best([OO, "tip"], env, runs)
        status_wall, status_rss = best([OO, "status"], env, runs)
        bare_wall, bare_rss = best([sys.executable, "-c", "pass"], env, runs)
        requests = len(server.received)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = [OO, "config", "set", "llm.api-base", f"http://127.0.0.1:{port}"]
    subprocess.run(config, env=env, check=True, capture_output=True)
    none_wall, none_rss = best([sys.executable, "-m", "oo.llm.generate"], env, runs, code=1)
    print(f"runs per figure: {runs} (best wall time, highest peak RSS)")
    print(
        f"generator child (python -m oo.llm.generate, loopback Ollama shape):"
        f" {gen_wall:.2f} s, {gen_rss:.0f} MiB; {requests // runs} requests a run"
    )
    print(
        f"generator child, nothing listening on the model's port:"
        f" {none_wall:.2f} s, {none_rss:.0f} MiB"
        f" ({none_wall / gen_wall:.2f}x the full run's time, {none_rss / gen_rss:.2f}x its memory)"
    )
    print(f"oo tip:    {tip_wall * 1000:.0f} ms, {tip_rss:.0f} MiB")
    print(f"oo status: {status_wall * 1000:.0f} ms, {status_rss:.0f} MiB")
    print(f"python -c pass: {bare_wall * 1000:.0f} ms, {bare_rss:.0f} MiB")
    print(f"ratio generator/tip: {gen_wall / tip_wall:.0f}x time, {gen_rss / tip_rss:.1f}x memory")
    for label, code in (
        ("oo tip", "from oo.cli.fast import tip; tip(as_json=False)"),
        ("oo status", "from oo.cli.runner import run; run(['status'])"),
        ("generator spawner (oo.llm.run)", "import oo.llm.run"),
        (
            "oo watch (oo.tui.app)",
            "import importlib.util as u\nu.find_spec('oo.tui') and __import__('oo.tui.app')",
        ),
        (
            "daemon (oo.daemon)",
            "import importlib.util as u\nu.find_spec('oo.daemon') and __import__('oo.daemon')",
        ),
    ):
        loaded = modules_after(code, env)
        print(f"{label}: litellm {'LOADED ' + str(loaded[:3]) if loaded else 'not imported'}")


if __name__ == "__main__":
    main()
