"""`oo config`: known keys only, checked values, a private file, and never a secret."""

from __future__ import annotations

import json
import stat
import tomllib
from pathlib import Path

import pytest

from oo import config
from tests.conftest import RunOo


def test_set_get_list_round_trip(oo: RunOo, oo_home: Path) -> None:
    result = oo("config", "set", "llm.tip-generator", "openai/gpt-4o-mini")
    assert result.returncode == 0, result.stderr
    assert oo("config", "set", "llm.api-base", "http://127.0.0.1:11434/").returncode == 0
    assert oo("config", "get", "llm.tip-generator").stdout.strip() == "openai/gpt-4o-mini"
    assert oo("config", "get", "llm.api-base").stdout.strip() == "http://127.0.0.1:11434"
    rows = {r["key"]: r for r in json.loads(oo("config", "list", "--json").stdout)}
    assert rows["llm.tip-generator"]["set"] is True
    assert rows["llm.mode"] == {**rows["llm.mode"], "value": "local", "set": False}
    path = oo_home / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["llm"]["tip-generator"] == "openai/gpt-4o-mini"
    assert oo("config", "unset", "llm.tip-generator").returncode == 0
    assert oo("config", "get", "llm.tip-generator").stdout.strip() == "ollama_chat/qwen2.5:1.5b"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("llm.nope", "x", "unknown setting"),
        ("llm.mode", "loud", "local or redacted or full"),
        ("llm.timeout-s", "0", "from 1 to 600"),
        ("llm.api-base", "ftp://x", "http://"),
        ("llm.api-base", "https://user:pw@api.example.com", "without credentials"),
        ("llm.tip-generator", "gpt 4", "litellm model string"),
        ("llm.tip-generator", "openai/sk-abcdefghijklmnop", "looks like a secret"),
        ("notify.quiet_hours", "late", "22:00-07:00"),
    ],
)
def test_bad_values_are_one_line_errors(
    oo: RunOo, oo_home: Path, key: str, value: str, message: str
) -> None:
    result = oo("config", "set", key, value)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (oo_home / "config.toml").exists()


def test_setting_keeps_what_else_the_file_holds(oo_home: Path) -> None:
    oo_home.mkdir(parents=True)
    (oo_home / "config.toml").write_text('[notify]\ndaily_budget = 2\n[other]\nname = "é\\"q"\n')
    config.set_value("llm.mode", "redacted")
    loaded = config.load()
    assert loaded == {
        "notify": {"daily_budget": 2},
        "other": {"name": 'é"q'},
        "llm": {"mode": "redacted"},
    }
    assert config.get("notify", "min_gap_minutes") == 90


def test_broken_file_is_reported_not_overwritten(oo: RunOo, oo_home: Path) -> None:
    oo_home.mkdir(parents=True)
    (oo_home / "config.toml").write_text("[llm\n")
    result = oo("config", "list")
    assert result.returncode == 1 and "not valid TOML" in result.stderr
    assert (oo_home / "config.toml").read_text() == "[llm\n"
