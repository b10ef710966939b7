"""The policies on plain numpy arrays, as a user of `oo.engine.policies` meets them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oo.engine.policies import POLICIES, PolicyError, Prior, get_policy, restore

DC, DA = 4, 6


def _world(seed: int = 0) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    true_w = rng.normal(0, 0.3, (DC, DA))
    return rng, true_w


def _step(rng: np.random.Generator, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    context = np.concatenate([[1.0], rng.normal(0, 1, DC - 1)])
    actions = rng.random((k, DA))
    return context, actions


@pytest.mark.parametrize("name", list(POLICIES))
def test_every_policy_follows_the_contract(name: str) -> None:
    policy = get_policy(name, context_dim=DC, action_dim=DA, seed=0)
    rng, _ = _world()
    context, actions = _step(rng)
    d = policy.choose(context, actions)
    assert 0 <= d.index < len(actions)
    assert d.scores.shape == (len(actions),)
    assert math.isclose(float(d.probabilities.sum()), 1.0, rel_tol=1e-9)
    assert d.propensity == pytest.approx(d.probabilities[d.index])
    policy.update(context, actions, d.index, 1.0)
    assert policy.updates == 1


def test_propensity_never_falls_below_the_floor() -> None:
    policy = get_policy("default", context_dim=DC, action_dim=DA, seed=1)
    rng, true_w = _world(1)
    floor = POLICIES["default"][1]["floor"]
    for _ in range(300):
        context, actions = _step(rng, 20)
        d = policy.choose(context, actions)
        assert d.probabilities.min() >= floor / 20 - 1e-12
        reward = float(np.clip(actions[d.index] @ (context @ true_w) + 0.5, 0, 1))
        policy.update(context, actions, d.index, reward)


def test_default_learns_a_linear_preference_far_better_than_chance() -> None:
    rng, true_w = _world(2)
    policy = get_policy("default", context_dim=DC, action_dim=DA, seed=2)
    got = best = chance = 0.0
    for t in range(600):
        context, actions = _step(rng, 10)
        expected = np.clip(actions @ (context @ true_w) + 0.5, 0, 1)
        d = policy.choose(context, actions)
        if t >= 300:
            got += expected[d.index]
            best += expected.max()
            chance += expected.mean()
        reward = float(rng.random() < expected[d.index])
        policy.update(context, actions, d.index, reward)
    # In the second half it keeps most of the gap between chance and the best choice.
    assert (got - chance) / (best - chance) > 0.7


def test_a_prior_makes_the_first_choices_sensible() -> None:
    mean = np.zeros((DC, DA))
    mean[0, 0] = 1.0  # the first candidate feature is what people like
    policy = get_policy("default", context_dim=DC, action_dim=DA, seed=3, prior=Prior(mean))
    actions = np.zeros((5, DA))
    actions[3, 0] = 1.0
    context = np.array([1.0, 0, 0, 0])
    picks = [policy.choose(context, actions).index for _ in range(50)]
    assert picks.count(3) >= 45


def test_preferences_that_drift_are_followed() -> None:
    """After a change of heart, the forgetting model switches; a frozen prior never does."""
    policy = get_policy("default", context_dim=1, action_dim=2, seed=4)
    context = np.array([1.0])
    actions = np.eye(2)
    rng = np.random.default_rng(404)  # not the policy's seed: its draws must not repeat ours
    for t in range(2000):
        liked = 0 if t < 800 else 1
        d = policy.choose(context, actions)
        reward = float(rng.random() < (0.9 if d.index == liked else 0.1))
        policy.update(context, actions, d.index, reward)
    picks = [policy.choose(context, actions).index for _ in range(50)]
    assert picks.count(1) >= 45


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_features_are_rejected_at_the_boundary(bad: float) -> None:
    policy = get_policy("default", context_dim=DC, action_dim=DA)
    context, actions = _step(np.random.default_rng(0))
    broken = actions.copy()
    broken[2, 1] = bad
    with pytest.raises(PolicyError, match="NaN or infinity"):
        policy.choose(context, broken)
    with pytest.raises(PolicyError):
        policy.update(context, broken, 0, 0.5)
    with pytest.raises(PolicyError, match="reward"):
        policy.update(context, actions, 0, bad)


def test_wrong_shapes_and_no_candidates_are_clear_errors() -> None:
    policy = get_policy("default", context_dim=DC, action_dim=DA)
    with pytest.raises(PolicyError, match="no candidates"):
        policy.choose(np.ones(DC), np.zeros((0, DA)))
    with pytest.raises(PolicyError, match="shape"):
        policy.choose(np.ones(DC + 1), np.zeros((3, DA)))
    with pytest.raises(PolicyError, match="unknown policy"):
        get_policy("nope", context_dim=DC, action_dim=DA)


def test_parameters_survive_a_round_trip_and_damage_is_detected() -> None:
    rng, _ = _world(5)
    policy = get_policy("default", context_dim=DC, action_dim=DA, seed=5)
    for _ in range(200):  # past a re-sync
        context, actions = _step(rng)
        d = policy.choose(context, actions)
        policy.update(context, actions, d.index, float(rng.random()))
    blob = policy.to_bytes()
    again = restore(blob)
    context, actions = _step(rng)
    assert np.allclose(
        again.probabilities(context, actions), policy.probabilities(context, actions)
    )
    assert again.updates == 200
    with pytest.raises(PolicyError):
        restore(blob[: len(blob) // 2])
    with pytest.raises(PolicyError):
        restore(b"not a policy at all")


@settings(max_examples=50, deadline=None)
@given(
    scores=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=30),
)
def test_probabilities_are_a_distribution_for_any_scores(scores: list[float]) -> None:
    k = len(scores)
    policy = get_policy(
        "default", context_dim=1, action_dim=k, seed=0, prior=Prior(np.array([scores]))
    )
    probs = policy.probabilities(np.array([1.0]), np.eye(k))
    assert math.isclose(float(probs.sum()), 1.0, rel_tol=1e-9)
    assert probs.min() >= POLICIES["default"][1]["floor"] / k - 1e-12


def test_offsets_shift_the_probabilities_a_decision_is_drawn_with() -> None:
    import numpy as np

    from oo.engine.policies import get_policy

    policy = get_policy("default", context_dim=2, action_dim=2, seed=1)
    context = np.array([1.0, 0.0])
    actions = np.array([[1.0, 0.0], [0.0, 1.0]])
    plain = policy.probabilities(context, actions)
    pushed = policy.probabilities(context, actions, offsets=np.array([-1.0, 0.0]))
    assert pushed[0] < plain[0]
    decision = policy.choose(context, actions, offsets=np.array([-1.0, 0.0]))
    assert decision.propensity == pushed[decision.index]
