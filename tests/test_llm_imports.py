"""litellm and the gate's language model load only in the generator child: never where a
person waits, never in the resident daemon, never in `oo status`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from oo.cli.fast import tip
from oo.cli.runner import run
tip(as_json=False)
for argv in {argvs!r}:
    run(argv)
for name in {modules!r}:
    __import__(name)
print(json.dumps(sorted(m for m in ("litellm", "openai", "tiktoken", "keyring", "py3langid")
                        if m in sys.modules)))
"""


def probe(argvs: list[list[str]], modules: list[str]) -> list[str]:
    code = PROBE.format(argvs=argvs, modules=modules)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def test_tip_status_config_and_the_spawner_never_import_litellm(oo_home: Path) -> None:
    loaded = probe(
        [["tip"], ["status"], ["status", "--json"], ["config", "list"], ["--help"]],
        ["oo.llm.run", "oo.llm.status", "oo.llm.settings", "oo.llm.context", "oo.llm.gate"],
    )
    assert loaded == []


@pytest.mark.parametrize(
    "module", ["oo.daemon.service", "oo.daemon.jobs", "oo.tui.app", "oo.cli.watch"]
)
def test_daemon_and_watch_never_import_litellm(oo_home: Path, module: str) -> None:
    assert "litellm" not in probe([], [module])
