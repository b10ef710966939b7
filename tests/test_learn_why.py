"""`oo why` tells the truth about a decision, checked against the decision log, and
`oo policy eval` / `promote` know when the log is too thin to judge."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from subprocess import CompletedProcess
from typing import Any

import pytest

from oo.engine import recommender, why
from oo.store.db import open_store

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
Run = Callable[..., CompletedProcess[str]]


def _logged(conn: sqlite3.Connection, tip_id: str) -> tuple[list[float], int, list[str]]:
    row = conn.execute(
        "SELECT scores, chosen, candidates FROM decisions WHERE tip_id = ?", (tip_id,)
    ).fetchone()
    return json.loads(row["scores"]), int(row["chosen"]), json.loads(row["candidates"])


def _check_against_the_log(conn: sqlite3.Connection, tip_id: str) -> dict[str, Any]:
    info = why.explain(conn, tip_id)
    scores, chosen, _ = _logged(conn, tip_id)
    terms = sum(t["value"] for t in info["terms"])
    assert terms == pytest.approx(info["expected_reward"], abs=2e-3)
    total = info["expected_reward"] + info["bonus"] + info["offset"]
    assert total == pytest.approx(info["score"], abs=2e-3)
    assert info["score"] == pytest.approx(scores[chosen], abs=1e-3)
    others = [s for i, s in enumerate(scores) if i != chosen]
    assert info["runner_up"]["score"] == pytest.approx(max(others), abs=1e-3)
    assert info["exploratory"] == (max(scores) > scores[chosen])
    return info


def test_why_adds_up_and_names_the_best_other_candidate(conn: sqlite3.Connection) -> None:
    tip = recommender.recommend(conn, NOW, random.Random(0))
    assert tip is not None
    for step in range(6):
        _check_against_the_log(conn, tip["id"])
        reaction = ("done", "dismiss", "useful")[step % 3]
        _, tip = recommender.react(
            conn, tip["id"], reaction, now=NOW + timedelta(minutes=step), rng=random.Random(step)
        )
        assert tip is not None
    text = why.render(why.explain(conn, tip["id"]))
    # The tip shown after the sixth reaction was drawn in advance, after the fifth.
    assert "after learning from 5 reactions." in text
    assert "expected reward" in text


def test_a_tip_drawn_to_learn_says_so(conn: sqlite3.Connection) -> None:
    # squarecb explores boldly: make it the active policy, as a promotion would.
    from oo.engine import state

    state.load(conn, now=NOW)
    conn.execute("UPDATE policy_state SET role = 'shadow' WHERE role = 'active'")
    state.save(conn, state.fresh("squarecb"), now=NOW, role="active")
    tip = recommender.recommend(conn, NOW, random.Random(0))
    seen = 0
    for step in range(200):
        assert tip is not None
        info = _check_against_the_log(conn, tip["id"])
        if info["exploratory"]:
            text = why.render(info)
            scores, _, _ = _logged(conn, tip["id"])
            best = scores.index(max(scores))
            assert "Chosen to learn; the best-scored was: " + info["runner_up"]["text"] in text
            assert info["runner_up"]["score"] == pytest.approx(scores[best], abs=1e-3)
            assert "Runner-up" not in text
            seen += 1
            if seen == 2:
                return
        _, tip = recommender.react(
            conn, tip["id"], "dismiss", now=NOW + timedelta(minutes=step), rng=random.Random(step)
        )
    pytest.fail("no exploratory draw in 200 decisions")


def test_one_reaction_is_singular(oo: Run) -> None:
    assert oo("tip").returncode == 0
    assert oo("done").returncode == 0  # shows the standby, drawn before any reaction
    assert oo("done").returncode == 0  # shows the standby drawn after learning from one
    shown = oo("why")
    assert shown.returncode == 0, shown.stderr
    assert "after learning from 1 reaction." in shown.stdout
    assert "1 reactions" not in shown.stdout


def _thin_log(conn: sqlite3.Connection, n: int) -> None:
    """n rewarded decisions where the shadow `greedy` would have chosen otherwise, but for
    two rare draws: the log says almost nothing about greedy."""
    tip = recommender.recommend(conn, NOW, random.Random(0))
    for step in range(n):
        assert tip is not None
        _, tip = recommender.react(
            conn, tip["id"], "useful", now=NOW + timedelta(minutes=step), rng=random.Random(step)
        )
    ids = [r[0] for r in conn.execute("SELECT tip_id FROM rewards WHERE reward IS NOT NULL")]
    assert len(ids) == n
    for i, tip_id in enumerate(ids):
        rare = i in (3, 40)
        shadows = {"greedy": {"version": "2", "probabilities": [0.0, 1.0], "scores": [0.2, 0.6]}}
        conn.execute(
            "UPDATE decisions SET chosen = ?, propensity = ?, scores = '[0.5, 0.1]',"
            " probabilities = ?, shadows = ? WHERE tip_id = ?",
            (
                1 if rare else 0,
                0.005 if rare else 0.995,
                json.dumps([0.995, 0.005]),
                json.dumps(shadows),
                tip_id,
            ),
        )
        conn.execute(
            "UPDATE rewards SET reward = ? WHERE tip_id = ?", (1.0 if rare else 0.3, tip_id)
        )
    conn.commit()


def test_eval_shows_the_effective_sample_size_and_refuses_to_guess(oo: Run) -> None:
    assert oo("tip").returncode == 0
    conn = open_store()
    try:
        _thin_log(conn, 60)
    finally:
        conn.close()
    shown = oo("policy", "eval")
    assert shown.returncode == 0, shown.stderr
    assert "ESS" in shown.stdout and "max w" in shown.stdout
    assert "greedy: not enough data to compare" in shown.stdout
    data = {e["policy"]: e for e in json.loads(oo("policy", "eval", "--json").stdout)}
    assert data["greedy"]["ess"] < 5
    assert data["greedy"]["max_weight"] == pytest.approx(200.0)
    assert data["greedy"]["verdict"] == "not enough data to compare"
    refused = oo("policy", "promote", "greedy")
    assert refused.returncode == 1
    assert "effective decisions" in refused.stderr
    assert "Traceback" not in refused.stderr
    roles = {r["name"]: r["role"] for r in json.loads(oo("policy", "list", "--json").stdout)}
    assert roles["default"] == "active" and roles["greedy"] == "shadow"
