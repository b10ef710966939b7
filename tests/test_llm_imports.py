"""litellm and the gate's language model (py3langid) load only in the generator child:
never where a person waits, never in the resident daemon, never in `oo status`. Checked
against the one list of heavy modules, `oo.heavy.HEAVY`: each path may load only the heavy
modules named here, and none of them is litellm or one of its parts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oo.heavy import COMMAND_LINE, HEAVY, RESIDENT_DAEMON, WATCH_FACE

PROBE = """
import json, sys
from oo.heavy import heavy_loaded
for argv in {argvs!r}:
    from oo.cli.fast import tip
    from oo.cli.runner import run
    tip(as_json=False)
    run(argv)
for name in {modules!r}:
    __import__(name)
print(json.dumps(sorted(heavy_loaded(sys.modules))))
"""

LLM = {"litellm", "openai", "tiktoken", "py3langid"}


def probe(argvs: list[list[str]], modules: list[str]) -> set[str]:
    code = PROBE.format(argvs=argvs, modules=modules)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return set(loaded)


def test_the_llm_parts_are_on_the_heavy_list() -> None:
    assert set(HEAVY) >= LLM | COMMAND_LINE | RESIDENT_DAEMON | WATCH_FACE


def test_tip_status_config_and_the_spawner_never_import_litellm(oo_home: Path) -> None:
    loaded = probe(
        [["tip"], ["status"], ["status", "--json"], ["config", "list"], ["--help"]],
        ["oo.llm.run", "oo.llm.status", "oo.llm.settings", "oo.llm.context", "oo.llm.gate"],
    )
    assert loaded <= COMMAND_LINE  # no litellm, and no keyring either


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("oo.daemon.service", RESIDENT_DAEMON),
        ("oo.daemon.jobs", RESIDENT_DAEMON),
        ("oo.tui.app", WATCH_FACE),
        ("oo.cli.watch", WATCH_FACE),
    ],
)
def test_daemon_and_watch_never_import_litellm(
    oo_home: Path, module: str, allowed: frozenset[str]
) -> None:
    assert probe([], [module]) <= allowed
    assert not allowed & LLM
