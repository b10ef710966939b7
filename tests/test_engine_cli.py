"""`oo why`, `oo policy` and the fast path, run as a person runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import RunOo


def test_why_explains_the_current_tip_term_by_term(oo: RunOo) -> None:
    tip = oo("tip", "--json")
    assert tip.returncode == 0, tip.stderr
    shown = json.loads(tip.stdout)
    why = oo("why")
    assert why.returncode == 0, why.stderr
    assert why.stdout.startswith(shown["text"])
    assert "Chosen by default/2 with probability" in why.stdout
    assert "any tip" in why.stdout and "Runner-up" in why.stdout
    data = json.loads(oo("why", "--json").stdout)
    assert data["policy"] == "default/2"
    assert data["propensity"] == pytest.approx(shown["propensity"], abs=1e-6)
    values = [abs(t["value"]) for t in data["terms"] if not t["term"].startswith(("other", "expl"))]
    assert values == sorted(values, reverse=True)
    assert data["signals"]["mood"] is None  # unknown, not zero


def test_reactions_show_up_in_why(oo: RunOo) -> None:
    oo("tip")
    assert oo("mood", "2").returncode == 0
    done = oo("done")
    assert done.returncode == 0, done.stderr
    data = json.loads(oo("why", "--json").stdout)
    assert data["learned_from"] == 1
    assert data["signals"]["mood"] == 2


def test_why_without_a_tip_and_with_a_foreign_id(oo: RunOo) -> None:
    oo("tip")
    result = oo("why", "--tip", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert result.returncode == 1
    assert result.stderr.startswith("oo: no tip with id")
    assert "Traceback" not in result.stderr


def test_policy_list_eval_and_a_refused_promotion(oo: RunOo) -> None:
    oo("tip")
    for _ in range(3):
        assert oo("useful").returncode == 0
    listed = json.loads(oo("policy", "list", "--json").stdout)
    roles = {row["name"]: row["role"] for row in listed}
    assert roles["default"] == "active" and roles["greedy"] == "shadow"
    estimates = json.loads(oo("policy", "eval", "--json").stdout)
    names = [e["policy"] for e in estimates]
    assert names == ["default", "greedy", "uniform"]
    assert estimates[0]["decisions"] == 3
    refused = oo("policy", "promote", "greedy")
    assert refused.returncode == 1
    assert "does not beat the active policy with confidence" in refused.stderr
    assert json.loads(oo("policy", "list", "--json").stdout)[0]["role"] == "active"
    assert oo("policy", "shadow", "squarecb").returncode == 0
    roles = {r["name"]: r["role"] for r in json.loads(oo("policy", "list", "--json").stdout)}
    assert roles["squarecb"] == "shadow"


def test_policy_sim_prints_the_comparison(oo: RunOo) -> None:
    result = oo("policy", "sim", "--steps", "300", "--no-peers")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["policy", "@300"]
    names = [line[:26].strip() for line in lines[2:]]
    assert {"oracle", "oO default", "uniform"} <= set(names)


def test_the_fast_path_loads_nothing_heavy(oo: RunOo) -> None:
    assert oo("tip").returncode == 0
    code = (
        "import sys; from oo.cli.fast import tip; assert tip(as_json=False) == 0;"
        "from oo.heavy import heavy_loaded; print(sorted(heavy_loaded(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
