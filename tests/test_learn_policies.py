"""How oO's policy learns: exact propensities, the context constant, lean state that
survives an upgrade, and rewards that say more than done or not."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from oo.engine import features, rewards, state
from oo.engine.policies import LinearBandit, Prior, get_policy, restore
from oo.engine.policies.base import dump_blob

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _oo_inputs(seed: int, k: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    context = np.array(features.context_vector(features.Context(9.0, 0, "morning", mood=2)))
    actions = (rng.random((k, features.ACTION_DIM)) < 0.3).astype(np.float64)
    actions[:, 0] = 1.0
    return context, actions


@pytest.mark.parametrize("name", ["default", "squarecb", "linucb"])
def test_logged_propensities_match_the_share_of_draws(name: str) -> None:
    """Many draws from one state: each candidate is drawn as often as its propensity says."""
    policy = state.fresh(name, seed=3)
    context, actions = _oo_inputs(3)
    for step in range(40):  # some experience, so the scores differ
        d = policy.choose(context, actions)
        policy.update(context, actions, d.index, float(step % 3 == 0))
    offsets = np.linspace(-0.05, 0.05, len(actions))  # variety shapes the draw too
    blob = policy.to_bytes()
    draws = 20_000
    counts = np.zeros(len(actions))
    logged = np.zeros(len(actions))
    frozen = restore(blob, seed=11)
    for _ in range(draws):
        d = frozen.choose(context, actions, offsets=offsets)
        counts[d.index] += 1
        logged[d.index] = d.propensity
    expected = restore(blob).probabilities(context, actions, offsets=offsets)
    share = counts / draws
    sd = np.sqrt(expected * (1 - expected) / draws)
    assert np.all(np.abs(share - expected) <= 5 * sd + 1e-4)
    seen = counts > 0
    assert np.allclose(logged[seen], expected[seen])


def test_identical_candidates_are_equally_likely() -> None:
    policy = state.fresh("default", seed=0)
    context, actions = _oo_inputs(0, k=4)
    actions[1] = actions[0]
    probs = policy.probabilities(context, actions)
    assert probs[0] == pytest.approx(probs[1])


def _plain_stream(seed: int, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Contexts without a constant; the best candidate depends only on its own features."""
    rng = np.random.default_rng(seed)
    contexts = rng.normal(0, 1, (steps, 3))
    actions = rng.normal(0, 1, (steps, 8, 4))
    taste = np.array([0.15, -0.1, 0.05, 0.1])
    means = np.clip(0.5 + actions @ taste, 0.05, 0.95)
    return contexts, actions, means


def _regret(intercept: bool, seed: int = 0, steps: int = 800) -> float:
    contexts, actions, means = _plain_stream(seed, steps)
    policy = get_policy("default", context_dim=3, action_dim=4, seed=seed, intercept=intercept)
    rng = np.random.default_rng(seed + 100)
    regret = 0.0
    for t in range(steps):
        d = policy.choose(contexts[t], actions[t])
        policy.update(contexts[t], actions[t], d.index, float(rng.random() < means[t, d.index]))
        regret += float(means[t].max() - means[t, d.index])
    return regret


def test_plain_arrays_without_a_context_constant_still_learn_taste() -> None:
    with_constant = _regret(intercept=True)
    without = _regret(intercept=False)
    assert with_constant < 0.5 * without


def _oo_default(**tuning: float) -> LinearBandit:
    policy = get_policy(
        "default",
        context_dim=features.CONTEXT_DIM,
        action_dim=features.ACTION_DIM,
        seed=5,
        prior=Prior(np.array(features.prior_weights()), np.array(features.prior_precision())),
        intercept=False,
        tuning=features.tuning("default") | tuning,
        mask=np.array(features.learned_mask()),
    )
    assert isinstance(policy, LinearBandit)
    return policy


def _focus_or_outdoors() -> tuple[np.ndarray, np.ndarray]:
    context, _ = _oo_inputs(0)
    pair = np.zeros((2, features.ACTION_DIM))
    pair[:, 0] = 1.0
    pair[0, features.ACTION_FEATURES.index("category_focus")] = 1.0
    pair[1, features.ACTION_FEATURES.index("category_outdoors")] = 1.0
    return context, pair


def _learned_focus(**tuning: float) -> LinearBandit:
    """Focus tips work for 60 reactions (outdoors rarely); the policy is stored and restored
    at every reaction, as oO does."""
    policy = _oo_default(**tuning)
    context, pair = _focus_or_outdoors()
    rng = np.random.default_rng(55)
    for _ in range(60):
        d = policy.choose(context, pair)
        worked = rng.random() < (0.7 if d.index == 0 else 0.2)
        policy.update(context, pair, d.index, float(worked))
        policy = _stored(policy)
    return policy


def _stored(policy: LinearBandit) -> LinearBandit:
    again = restore(policy.to_bytes(), seed=5)
    assert isinstance(again, LinearBandit)
    return again


def _focus_lead(policy: LinearBandit) -> float:
    context, pair = _focus_or_outdoors()
    before = policy.mean_scores(context, pair)
    return float(before[0] - before[1])


def _focus_lead_after_a_change(alarm: float | None) -> tuple[float, float]:
    """After focus was learned, 12 focus tips in a row fail: how far focus leads outdoors
    in expected reward before and after."""
    policy = _learned_focus(**({} if alarm is None else {"alarm": alarm}))
    before = _focus_lead(policy)
    context, pair = _focus_or_outdoors()
    for _ in range(12):
        policy.update(context, pair, 0, 0.0)  # the focus tip fails now
        policy = _stored(policy)
    return before, _focus_lead(policy)


def test_a_sudden_change_of_taste_is_unlearned_within_a_few_reactions() -> None:
    """When tips oO was sure of keep failing, it falls back toward the rules at once
    instead of fading over weeks; the watch survives storing the state between reactions."""
    before, after = _focus_lead_after_a_change(alarm=None)
    assert before > 0.25  # it had learned focus
    assert after < 0.1  # after 12 failed focus tips, focus no longer leads


def test_without_the_change_watch_the_old_taste_lingers() -> None:
    before, after = _focus_lead_after_a_change(alarm=0.0)
    assert before > 0.25
    assert after > 0.2


def _bad_luck(trial: int) -> tuple[float, float, bool]:
    """After focus was learned, three focus tips in a row fail (enough to raise the alarm),
    then focus works as before. The focus lead before and after, and whether a challenger
    was tried."""
    policy = _learned_focus(trial=trial)
    before = _focus_lead(policy)
    context, pair = _focus_or_outdoors()
    tried = False
    for worked in [0, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0]:
        policy.update(context, pair, 0, float(worked))
        policy = _stored(policy)
        tried = tried or policy.challenger is not None
    return before, _focus_lead(policy), tried


def test_a_run_of_bad_luck_keeps_what_was_learned() -> None:
    """Three failures in a row raise the change-of-taste alarm, but a challenger learning
    from the suspected change loses once focus works again: the taste learned stays."""
    before, after, tried = _bad_luck(trial=int(features.TRIAL))
    assert tried
    assert after > 0.85 * before
    assert after > 0.35


def test_without_a_trial_bad_luck_costs_what_was_learned() -> None:
    """The alarm alone (no trial) discounts the evidence at every run of bad luck."""
    _, after, _ = _bad_luck(trial=0)
    assert after < 0.3


def test_a_trial_in_progress_survives_storing_the_state() -> None:
    """Stored and restored at every reaction, the policy goes through the same trial as one
    kept in memory: the same challenger, the same evidence, the same verdict."""
    kept, stored = _learned_focus(), _learned_focus()
    before = _focus_lead(kept)
    context, pair = _focus_or_outdoors()
    seen = []
    for worked in [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]:
        kept.update(context, pair, 0, float(worked))
        stored.update(context, pair, 0, float(worked))
        stored = _stored(stored)
        assert (kept.challenger is None) == (stored.challenger is None)
        assert kept.llr == pytest.approx(stored.llr, abs=5e-3)
        seen.append(kept.challenger is not None)
    assert any(seen) and not seen[-1]  # a trial ran and ended
    assert _focus_lead(stored) == pytest.approx(_focus_lead(kept), abs=5e-3)
    assert _focus_lead(stored) < 0.5 * before  # it ended with the change accepted


def _apart_from_stored(
    learn: Callable[[np.ndarray, np.ndarray, int, float], LinearBandit],
) -> float:
    """120 reactions learned through `learn` (which returns the policy that learned them)
    and by a policy stored at every reaction, as oO stores it: the most their expected
    rewards were ever apart."""
    stored = _oo_default(alarm=0.0)
    rng = np.random.default_rng(8)
    apart = 0.0
    for step in range(120):
        context, actions = _oo_inputs(step)
        index, reward = int(rng.integers(len(actions))), float(rng.random() < 0.4)
        policy = learn(context, actions, index, reward)
        stored.update(context, actions, index, reward)
        stored = _stored(stored)
        context, actions = _oo_inputs(1000 + step)
        gap = policy.mean_scores(context, actions) - stored.mean_scores(context, actions)
        apart = max(apart, float(np.abs(gap).max()))
    return apart


def test_a_policy_kept_in_memory_learns_as_one_stored_at_every_reaction() -> None:
    """oO stores the policy after every reaction; callers of the plain API keep it in
    memory. Both must be nearly the same model: evidence fades toward the prior as it goes,
    not only when the state is written (that drifted by 0.1)."""
    kept = _oo_default(alarm=0.0)

    def learn(context: np.ndarray, actions: np.ndarray, index: int, reward: float) -> LinearBandit:
        kept.update(context, actions, index, reward)
        return kept

    assert _apart_from_stored(learn) < 0.05  # in expected reward


def test_stored_state_is_small_and_restores_exactly() -> None:
    policy = state.fresh("default", seed=0)
    context, actions = _oo_inputs(1)
    for step in range(30):
        d = policy.choose(context, actions)
        policy.update(context, actions, d.index, float(step % 2))
    blob = policy.to_bytes()
    assert len(blob) <= 16 * 1024
    again = restore(blob)
    assert np.allclose(
        again.probabilities(context, actions), policy.probabilities(context, actions), atol=1e-5
    )


def _version_one_blob(preferred: str) -> bytes:
    """A policy as oO 1 stored it: every weight learned, the whole precision matrix."""
    full = LinearBandit(
        "default",
        features.CONTEXT_DIM,
        features.ACTION_DIM,
        prior=Prior(np.array(features.prior_weights()), np.array(features.prior_precision())),
        bonus=0.1,
        gamma=300.0,
        forget=0.999,
        strength=1.0,
        floor=0.01,
    )
    context, _ = _oo_inputs(0)
    slot = features.ACTION_FEATURES.index(f"category_{preferred}")
    other = features.ACTION_FEATURES.index("category_sleep")
    for _ in range(60):
        a = np.zeros((2, features.ACTION_DIM))
        a[:, 0] = 1.0
        a[0, slot] = a[1, other] = 1.0
        full.update(context, a, 0, 1.0)
        full.update(context, a, 1, 0.0)
    a, b = full.fit.evidence()
    config = full.config()
    for key in ("intercept", "alarm", "drop", "keep", "surprise", "trial", "margin"):
        del config[key]
    for key in ("challenger", "seeded", "llr"):
        del config[key]
    arrays = {
        "a": a,
        "b": b,
        "prior": full.prior_mean,
        "precision": full.prior_precision / full.strength,
    }
    return dump_blob("linear", config, arrays)


def test_a_policy_stored_by_the_previous_version_keeps_what_it_learned(
    conn: sqlite3.Connection,
) -> None:
    state.load(conn, now=NOW)
    conn.execute(
        "UPDATE policy_state SET params = ? WHERE name = 'default'", (_version_one_blob("focus"),)
    )
    (_, active), *_ = state.load(conn, now=NOW)
    resets = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'policy_reset'").fetchone()
    assert resets[0] == 0
    assert isinstance(active, LinearBandit)
    assert active.dimension < features.CONTEXT_DIM * features.ACTION_DIM
    context, _ = _oo_inputs(0)
    pair = np.zeros((2, features.ACTION_DIM))
    pair[:, 0] = 1.0
    pair[0, features.ACTION_FEATURES.index("category_sleep")] = 1.0
    pair[1, features.ACTION_FEATURES.index("category_focus")] = 1.0
    scores = active.mean_scores(context, pair)
    assert scores[1] > scores[0] + 0.2  # focus still preferred to sleep
    state.save(conn, active, now=NOW)
    saved = conn.execute("SELECT LENGTH(params) FROM policy_state WHERE name = 'default'")
    assert saved.fetchone()[0] <= 16 * 1024


def test_a_policy_stored_with_older_tuning_goes_on_with_the_current_one(
    conn: sqlite3.Connection,
) -> None:
    """An upgrade brings oO's current tuning (here the change-of-taste challenger) to a
    policy stored with the tuning of an older release, keeping what it learned."""
    old = {"forget": 0.985, "strength": 2.0, "alarm": 2.5, "keep": 0.4, "trial": 0}
    stored = _learned_focus(**old)
    assert stored.trial == 0
    state.load(conn, now=NOW)
    conn.execute("UPDATE policy_state SET params = ? WHERE name = 'default'", (stored.to_bytes(),))
    (_, active), *_ = state.load(conn, now=NOW)
    assert isinstance(active, LinearBandit)
    current = features.tuning("default")
    assert {key: active.config()[key] for key in current} == current
    assert _focus_lead(active) == pytest.approx(_focus_lead(stored), abs=0.05)
    assert _focus_lead(active) > 0.2  # what it learned stays
    resets = conn.execute("SELECT COUNT(*) FROM events WHERE type = 'policy_reset'").fetchone()
    assert resets[0] == 0


def test_a_new_ridge_strength_keeps_the_fit_exact() -> None:
    """Retuning moves only the prior's part of the evidence: the same rewards replayed on a
    policy made with the new strength give the same fit."""
    context, pair = _focus_or_outdoors()
    rewards_seen = [(0, 1.0), (1, 0.0), (0, 1.0), (0, 0.0), (1, 1.0)]
    weak, strong = _oo_default(strength=1.0), _oo_default(strength=3.0)
    for index, reward in rewards_seen:
        weak.update(context, pair, index, reward)
        strong.update(context, pair, index, reward)
    retuned = weak.retuned({"strength": 3.0})
    strong.fit.evidence()  # the prior's share restored, as retuning does
    assert np.allclose(retuned.theta, strong.theta, atol=1e-9)
    assert not np.allclose(weak.theta, strong.theta, atol=1e-3)


def test_later_says_more_by_the_time_asked_for() -> None:
    soon = rewards.reward("later", later_minutes=30)
    tonight = rewards.reward("later", later_minutes=6 * 60)
    next_week = rewards.reward("later", later_minutes=7 * 24 * 60)
    assert soon is not None and tonight is not None and next_week is not None
    assert soon > tonight > next_week > rewards.REWARDS["dismissed"]
    assert rewards.reward("later") == rewards.REWARDS["later"]


def test_a_later_tip_teaches_by_the_time_asked_for(conn: sqlite3.Connection) -> None:
    import random

    from oo.engine import recommender

    learned = {}
    tip = recommender.recommend(conn, NOW, random.Random(0))
    for minutes in (30, 3 * 24 * 60):
        assert tip is not None
        _, following = recommender.react(
            conn,
            tip["id"],
            "later",
            now=NOW,
            later_until=NOW + timedelta(minutes=minutes),
            rng=random.Random(1),
        )
        row = conn.execute("SELECT reward FROM rewards WHERE tip_id = ?", (tip["id"],))
        learned[minutes] = row.fetchone()[0]
        tip = following
    assert learned[30] == rewards.LATER_SOON_REWARD
    assert learned[3 * 24 * 60] == rewards.LATER_FAR_REWARD


def test_the_persona_simulator_learns_with_the_standbys_lag() -> None:
    """A check in the same part of the day as a reacted-to one is chosen before that
    reward is learned (the standby); after an ignored tip or in a new part, after it."""
    import numpy as np

    from oo.engine import sim
    from oo.engine.rewards import IGNORED_REWARD

    world = sim.PersonaWorld("morning mover", 0)
    calls: list[tuple[str, int]] = []

    class Recorder:
        name = "recorder"

        def choose(self, t: int, context: object, actions: object) -> int:
            calls.append(("choose", t))
            return 0

        def update(self, context: sim.Array, actions: object, index: int, reward: float) -> None:
            step = next(s for s in range(world.steps) if np.array_equal(world.contexts[s], context))
            calls.append(("learn", step))

    sim.run_persona(world, Recorder())
    lagged = fresh = 0
    for t in range(1, world.steps):
        same = (world.day[t], world.part[t]) == (world.day[t - 1], world.part[t - 1])
        reacted = world.reward(t - 1, 0) != IGNORED_REWARD
        at = calls.index(("choose", t))
        if same and reacted:
            lagged += 1
            assert calls[at + 1] == ("learn", t - 1), t  # learned after choosing t
        else:
            fresh += 1
            assert calls[at - 1] == ("learn", t - 1), t  # learned before choosing t
    assert lagged > 10 and fresh > 10


def test_the_persona_simulator_learns_as_a_policy_stored_at_every_reaction() -> None:
    """The persona suite measures what oO runs: a policy stored after every reaction."""
    from oo.engine import sim

    agent = sim.PolicyPersonaAgent("default", 5, "oO")
    policy = agent.policy
    assert isinstance(policy, LinearBandit)
    policy.alarm = 0.0

    def learn(context: np.ndarray, actions: np.ndarray, index: int, reward: float) -> LinearBandit:
        agent.update(context, actions, index, reward)
        return policy

    assert _apart_from_stored(learn) < 1e-3  # in expected reward


def test_the_persona_table_judges_the_goals_by_its_definitions() -> None:
    """The day oO is ahead to stay (3-day mean, paired), the weeks behind, the share of
    the gap closed over days 22-30 and its 95 % margin over seeds, from known days."""
    from oo.engine import sim

    def day(value: float, dip: float) -> np.ndarray:
        oo = np.full(sim.DAYS, value)
        oo[:2] = 0.2  # behind the rules' 0.3 on days 1-2
        oo[14:21] = dip  # days 15-21
        return oo

    def results(dip: float) -> list[sim.PersonaResult]:
        out = []
        for seed, late in enumerate((0.35, 0.4, 0.45)):
            for name, daily in (
                ("rules", np.full(sim.DAYS, 0.3)),
                ("oracle", np.full(sim.DAYS, 0.5)),
                ("oO", day(late, dip if dip else late)),
            ):
                out.append(sim.PersonaResult(name, "morning mover", seed, daily))
        return out

    steady = sim.summarize(results(0.0))
    assert steady.days_to_beat == 4  # (-0.1, -0.1, +0.1) on days 1-3, then (-0.1, +0.1, +0.1)
    assert steady.weeks_behind == 0
    assert steady.gap_closed == pytest.approx(0.5)  # 0.1 of the 0.2 gap
    assert steady.gap_margin == pytest.approx(1.96 * 0.05 / np.sqrt(3) / 0.2)
    assert "gap closed over days 22-30: 50 % (± 28)" in sim.persona_table([steady])
    dipped = sim.summarize(results(0.28))
    assert dipped.weeks_behind == 1
    assert dipped.days_to_beat == 22  # the 3-day mean is ahead again from day 22
