"""A shared linear reward model over context ⊗ candidate features, and how it explores.

Model: the expected reward of candidate `a` in context `c` is `c @ W @ a`, i.e. a ridge
regression on the outer product `x = vec(c ⊗ a)` (d = dc * da weights), fitted exactly by
recursive least squares.

- Prior: ridge toward a prior mean `W0` (oO's rules) with strength `lambda0`, so the first
  decisions are sensible, not random.
- Drift: every update discounts past evidence by `forget` and gives the same weight back to
  the prior (A <- forget*A + (1-forget)*lambda0*I + x x'), so old preferences fade toward the
  prior instead of leaving the model overconfident. The prior's share is restored exactly at
  a periodic re-sync (every RESYNC updates), so updates stay O(d^2).
- Exploration: each candidate's score is its mean plus `bonus` times its standard deviation
  (an optimism bonus, computed in O(d^2 + k*da^2) per decision); the choice is drawn by
  inverse gap weighting (SquareCB) over those scores, mixed with a uniform floor, so every
  candidate has probability at least floor/k and the propensity is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np  # noqa: TID253 - this package exists to run numpy policies

from oo.engine.policies.base import (
    Array,
    Decision,
    PolicyError,
    check_inputs,
    check_offsets,
    check_reward,
    draw,
    dump_blob,
)

RESYNC = 128

# BLAS's in-place rank-1 update (scipy) is 3-4 times faster than numpy's outer product,
# but importing scipy.linalg takes 0.1 s: a one-shot command (`oo done`, one update)
# uses numpy; a long run (daemon, simulator, benchmark) switches after SWITCH updates.
SWITCH = 64
_blas: dict[str, Any] = {"calls": 0, "dger": None}


def _rank1(matrix: Array, alpha: float, u: Array, v: Array) -> None:
    """matrix += alpha * u v' in place (matrix C-contiguous)."""
    if _blas["dger"] is None:
        _blas["calls"] += 1
        if _blas["calls"] > SWITCH:
            try:
                from scipy.linalg.blas import dger  # type: ignore[import-untyped]
            except ImportError:  # pragma: no cover - scipy comes with scikit-learn
                dger = False
            _blas["dger"] = dger
    if _blas["dger"]:
        _blas["dger"](alpha, v, u, a=matrix.T, overwrite_a=True)
    else:
        matrix += alpha * np.outer(u, v)


@dataclass(frozen=True)
class Prior:
    """A prior mean for W (dc, da), zero when None, and how firmly each weight holds to it
    (a precision multiplier per weight, times the policy's `strength`; 1 when None)."""

    mean: Array | None = None
    precision: Array | None = None


class LinearBandit:
    version = "1"

    def __init__(
        self,
        name: str,
        context_dim: int,
        action_dim: int,
        *,
        seed: int | None = 0,
        prior: Prior | None = None,
        bonus: float = 0.05,
        gamma: float = 40.0,
        forget: float = 0.997,
        strength: float = 2.0,
        floor: float = 0.02,
        frozen: bool = False,
    ) -> None:
        if context_dim < 1 or action_dim < 1:
            raise PolicyError("context_dim and action_dim must be at least 1")
        if not (0.0 < forget <= 1.0 and strength > 0 and 0.0 < floor <= 1.0):
            raise PolicyError("forget in (0, 1], strength > 0 and floor in (0, 1] please")
        self.name = name
        self.context_dim, self.action_dim = context_dim, action_dim
        self.bonus, self.gamma, self.forget = bonus, gamma, forget
        self.strength, self.floor, self.frozen = strength, floor, frozen
        self.updates = 0
        self._rng = np.random.default_rng(seed)
        d = context_dim * action_dim
        mean = np.zeros((context_dim, action_dim)) if prior is None else prior.mean
        if mean is None:
            mean = np.zeros((context_dim, action_dim))
        mean = np.asarray(mean, dtype=np.float64)
        if mean.shape != (context_dim, action_dim) or not np.isfinite(mean).all():
            raise PolicyError(f"prior mean must be finite with shape ({context_dim}, {action_dim})")
        self.prior_mean = mean.ravel().copy()
        scale = np.ones(d) if prior is None or prior.precision is None else prior.precision
        scale = np.asarray(scale, dtype=np.float64).ravel()
        if scale.shape != (d,) or not (np.isfinite(scale).all() and (scale > 0).all()):
            raise PolicyError(
                f"prior precision must be positive with shape ({context_dim}, {action_dim})"
            )
        self.prior_precision = strength * scale
        self._reset_model(
            np.diag(self.prior_precision),
            self.prior_precision * self.prior_mean,
            inverse=np.diag(1.0 / self.prior_precision),
        )

    # -- the model -------------------------------------------------------------------
    def _reset_model(self, a: Array, b: Array, inverse: Array | None = None) -> None:
        """Set the exact normal equations A theta = b and derive everything from them."""
        self._a = np.ascontiguousarray(a)  # A = _t * _a (scale kept lazily)
        self._t = 1.0
        self._b = b.copy()
        p = np.linalg.inv(self._a) if inverse is None else inverse
        self._p = np.ascontiguousarray((p + p.T) / 2)  # A^-1 = _s * _p
        self._s = 1.0
        self.theta = self._p @ self._b
        self._pending = 0  # updates since the last re-sync

    def _resync(self) -> None:
        give_back = self.prior_precision * (1.0 - self.forget**self._pending)
        a = self._t * self._a + np.diag(give_back)
        self._reset_model((a + a.T) / 2, self._b + give_back * self.prior_mean)

    def weights(self) -> Array:
        """The mean weights W (dc, da)."""
        return self.theta.reshape(self.context_dim, self.action_dim)

    def mean_scores(self, context: Array, actions: Array) -> Array:
        c, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        return np.asarray(a @ (c @ self.weights()))

    def _scores(self, c: Array, a: Array) -> tuple[Array, Array]:
        mean = a @ (c @ self.weights())
        if self.bonus <= 0:
            return mean, mean
        dc, da = self.context_dim, self.action_dim
        # The covariance of c (x) a for fixed c: M = (c (x) I)' P (c (x) I), O(d^2) once,
        # then a' M a per candidate.
        y = (c @ self._p.reshape(dc, da * dc * da)).reshape(da, dc, da)
        m = np.matmul(c, y)  # (da, da)
        var = self._s * ((a @ m) * a).sum(axis=1)
        return mean + self.bonus * np.sqrt(np.maximum(var, 0.0)), mean

    def _probabilities(self, scores: Array) -> Array:
        k = len(scores)
        best = int(np.argmax(scores))
        gaps = scores[best] - scores
        probs = 1.0 / (k * (1.0 + self.gamma * gaps))
        probs[best] = 0.0
        probs[best] = max(0.0, 1.0 - probs.sum())
        return np.asarray((1.0 - self.floor) * probs + self.floor / k)

    # -- the contract ----------------------------------------------------------------
    def probabilities(
        self, context: Array, actions: Array, *, offsets: Array | None = None
    ) -> Array:
        c, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        scores = self._scores(c, a)[0]
        o = check_offsets(offsets, len(scores))
        return self._probabilities(scores if o is None else scores + o)

    def choose(self, context: Array, actions: Array, *, offsets: Array | None = None) -> Decision:
        c, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        scores, _ = self._scores(c, a)
        o = check_offsets(offsets, len(scores))
        if o is not None:
            scores = scores + o
        probs = self._probabilities(scores)
        index = draw(probs, self._rng)
        return Decision(index, float(probs[index]), scores, probs)

    def update(self, context: Array, actions: Array, index: int, reward: float) -> None:
        c, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        r = check_reward(reward)
        if not 0 <= index < a.shape[0]:
            raise PolicyError(f"index {index} is not one of the {a.shape[0]} candidates")
        self.updates += 1
        if self.frozen:
            return
        x = np.outer(c, a[index]).ravel()
        g = self.forget
        u = self._p @ x
        q = self._s * float(x @ u)
        gain = (self._s / (g + q)) * u
        self.theta = self.theta + gain * (r - float(x @ self.theta))
        _rank1(self._p, -self._s / (g + q), u, u)
        self._s /= g
        self._t *= g
        _rank1(self._a, 1.0 / self._t, x, x)
        self._b = g * self._b + r * x
        self._pending += 1
        if self._pending >= RESYNC or self._s > 1e6:
            self._resync()

    def contributions(self, context: Array, action: Array) -> tuple[Array, float]:
        """Each term W[i, j] * c[i] * a[j] of one candidate's mean score, and its bonus."""
        c, a = check_inputs(context, np.atleast_2d(action), self.context_dim, self.action_dim)
        terms = self.weights() * np.outer(c, a[0])
        scores, mean = self._scores(c, a)
        return terms, float(scores[0] - mean[0])

    # -- persistence -----------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dims": [self.context_dim, self.action_dim],
            "bonus": self.bonus,
            "gamma": self.gamma,
            "forget": self.forget,
            "strength": self.strength,
            "floor": self.floor,
            "frozen": self.frozen,
            "updates": self.updates,
        }

    def to_bytes(self) -> bytes:
        self._resync()
        arrays = {
            "a": self._t * self._a,
            "b": self._b,
            "prior": self.prior_mean,
            "precision": self.prior_precision / self.strength,
        }
        return dump_blob("linear", self.config(), arrays)

    @classmethod
    def from_state(
        cls, config: dict[str, Any], arrays: dict[str, Array], *, seed: int | None = None
    ) -> LinearBandit:
        dc, da = (int(v) for v in config["dims"])
        d = dc * da
        a, b, prior, precision = arrays["a"], arrays["b"], arrays["prior"], arrays["precision"]
        if a.shape != (d, d) or b.shape != (d,) or prior.shape != (d,) or precision.shape != (d,):
            raise PolicyError("policy parameters have the wrong shape")
        if not (np.isfinite(a).all() and np.isfinite(b).all() and np.isfinite(prior).all()):
            raise PolicyError("policy parameters contain NaN or infinity")
        policy = cls(
            str(config["name"]),
            dc,
            da,
            seed=seed,
            prior=Prior(prior.reshape(dc, da), precision.reshape(dc, da)),
            bonus=float(config["bonus"]),
            gamma=float(config["gamma"]),
            forget=float(config["forget"]),
            strength=float(config["strength"]),
            floor=float(config["floor"]),
            frozen=bool(config["frozen"]),
        )
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError as exc:
            raise PolicyError("policy parameters are not positive definite") from exc
        policy._reset_model(a, b)
        policy.updates = int(config["updates"])
        return policy
