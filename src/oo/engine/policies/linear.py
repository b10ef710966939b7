"""A shared linear reward model over context ⊗ candidate features, and how it explores.

Model: the expected reward of candidate `a` in context `c` is `c @ W @ a`. The weights the
policy learns are a chosen subset of W (a `mask`); the others stay at the prior mean, so
they still count (the rules) but cost no data. With the full mask this is ridge regression
on the outer product `x = vec(c ⊗ a)`. Fitted exactly by recursive least squares.

- Context constant: with `intercept`, a constant 1 is appended to the context, so the
  model has a per-candidate-feature term even when the caller's context has no constant.
- Prior: ridge toward a prior mean `W0` (oO's rules) with a precision per weight (how
  many decisions' worth of evidence it takes to move it): a shrinkage prior that lets the
  coarse terms (taste) move first and the fine ones (interactions) later.
- Drift: every update discounts past evidence by `forget` and gives the same weight back to
  the prior (A <- forget*A + (1-forget)*Lambda0 + x x'), so old preferences fade toward the
  prior instead of leaving the model overconfident. The prior's share is given back at a
  re-sync, before more than SHARE of it is owed (every 26 updates at oO's forgetting), so a
  policy kept in memory stays close to one stored at every reaction (which re-syncs), and
  most updates stay O(d^2).
- Change of taste (`alarm` > 0): a CUSUM of the log-likelihood ratio of each reward for
  "the chosen tip's chance fell to `drop` times the prediction" against "it holds". Above
  `alarm` nats it starts a challenger: a fit from the prior of only the rewards since the
  CUSUM last stood at zero (the suspected change). Both learn from every reward while a
  log-likelihood ratio of their predictions (prequential: each predicts before it learns)
  says which explains the person better, while the policy's own fit goes on choosing. At
  `margin` nats, or after `trial` rewards, the winner stays: the challenger's evidence
  replaces all but `keep` of the old (the taste changed), or it is dropped (a run of bad
  luck, nothing lost). With `trial` 0 the alarm
  instead discounts all evidence at once by `keep`. All of it is part of `update`:
  probabilities stay an exact function of the state.
- Exploration: each candidate's score is its mean plus `bonus` times its standard deviation
  (an optimism bonus); the choice is drawn by inverse gap weighting (SquareCB) over those
  scores, mixed with a uniform floor, so every candidate has probability at least floor/k
  and the propensity is known exactly.
- State: the precision matrix A (upper triangle, float32, compressed), b, the CUSUM and,
  while one is running, the rewards of the suspected change (the challenger is rebuilt
  from them); A's inverse is rebuilt on load, so a reaction writes a few kilobytes.
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

RESYNC = 128  # updates between re-syncs at most (rounding in the rank-one updates)
SHARE = 0.1  # re-sync before more than this share of the prior is owed back to it
TIE = 1e-9  # scores closer than this are a tie
RUN = 8  # rewards of the CUSUM's current run kept to start a challenger with


def disappointment(reward: float, predicted: float, drop: float) -> float:
    """The log-likelihood ratio of one reward (in [0, 1], as a Bernoulli outcome) for "the
    tip's chance fell to `drop` times the prediction" against "the prediction holds"."""
    p0 = min(0.98, max(0.02, predicted))
    p1 = p0 * drop
    return float(reward * np.log(p1 / p0) + (1 - reward) * np.log((1 - p1) / (1 - p0)))


@dataclass(frozen=True)
class Prior:
    """A prior mean for W (dc, da), zero when None, and how firmly each weight holds to it
    (a precision multiplier per weight, times the policy's `strength`; 1 when None)."""

    mean: Array | None = None
    precision: Array | None = None


class _Fit:
    """Ridge regression toward a prior, fitted exactly by recursive least squares, with
    evidence fading by `forget` toward the prior (A <- forget*A + (1-forget)*Lambda0 + x x').

    The prior's share is given back exactly at a re-sync, before more than SHARE of it is
    owed (and at least every RESYNC updates), so most updates stay O(d^2).
    A = _t * (_a + R'R) and A^-1 = _s * _p, the scales kept lazily; R holds the updates'
    features since the last re-sync, added to A in one product when it is needed."""

    def __init__(self, precision: Array, mean: Array, forget: float) -> None:
        self.precision, self.mean, self.forget = precision, mean, forget
        owed = np.log1p(-SHARE) / np.log(forget) if forget < 1 else RESYNC  # updates
        self._every = int(min(RESYNC, max(1, np.floor(owed))))  # between re-syncs
        self.reset(np.diag(precision), precision * mean, inverse=np.diag(1.0 / precision))

    def reset(self, a: Array, b: Array, inverse: Array | None = None) -> None:
        """Set the exact normal equations A theta = b and derive everything from them."""
        self._a = np.ascontiguousarray(a)
        self._t = 1.0
        self._b = b.copy()
        p = np.linalg.inv(self._a) if inverse is None else inverse
        self._p = np.ascontiguousarray((p + p.T) / 2)
        self._s = 1.0
        self.theta = self._p @ self._b
        self._pending = 0  # updates since the last re-sync
        self._rows: list[Array] = []  # R: each update's x over sqrt(_t) at its update

    def resync(self) -> None:
        give_back = self.precision * (1.0 - self.forget**self._pending)
        if self._rows:
            r = np.array(self._rows)
            self._a += r.T @ r
        a = self._t * self._a + np.diag(give_back)
        self.reset((a + a.T) / 2, self._b + give_back * self.mean)

    def evidence(self) -> tuple[Array, Array]:
        """A and b, exact (after a re-sync)."""
        self.resync()
        return self._t * self._a, self._b

    def variance(self, x: Array) -> Array:
        return np.asarray(self._s * ((x @ self._p) * x).sum(axis=1))

    def update(self, x: Array, r: float) -> None:
        g = self.forget
        u = self._p @ x
        q = self._s * float(x @ u)
        gain = (self._s / (g + q)) * u
        self.theta = self.theta + gain * (r - float(x @ self.theta))
        self._p -= (self._s / (g + q)) * np.outer(u, u)
        self._s /= g
        self._t *= g
        self._rows.append(x / np.sqrt(self._t))
        self._b = g * self._b + r * x
        self._pending += 1
        if self._pending >= self._every or self._s > 1e6:
            self.resync()


def _loglik(reward: float, p: float) -> float:
    p = min(0.98, max(0.02, p))
    return float(reward * np.log(p) + (1 - reward) * np.log(1 - p))


class LinearBandit:
    version = "2"

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
        intercept: bool = False,
        mask: Array | None = None,
        alarm: float = 0.0,
        drop: float = 0.1,
        keep: float = 0.5,
        trial: int = 0,
        margin: float = 2.0,
    ) -> None:
        if context_dim < 1 or action_dim < 1:
            raise PolicyError("context_dim and action_dim must be at least 1")
        if not (0.0 < forget <= 1.0 and strength > 0 and 0.0 < floor <= 1.0):
            raise PolicyError("forget in (0, 1], strength > 0 and floor in (0, 1] please")
        if not (alarm >= 0 and 0.0 < drop < 1.0 and 0.0 <= keep < 1.0):
            raise PolicyError("alarm >= 0, drop in (0, 1) and keep in [0, 1) please")
        if not (trial >= 0 and margin > 0):
            raise PolicyError("trial >= 0 and margin > 0 please")
        self.name = name
        self.context_dim, self.action_dim = context_dim, action_dim
        self.bonus, self.gamma, self.forget = bonus, gamma, forget
        self.strength, self.floor, self.frozen = strength, floor, frozen
        self.intercept = intercept
        self.alarm, self.drop, self.keep = alarm, drop, keep
        self.trial, self.margin = int(trial), margin
        self.surprise = 0.0  # CUSUM of `disappointment`; a change suspected above `alarm`
        # The CUSUM's current run, then the challenger's rewards: (context, action, reward).
        self.recent: list[tuple[Array, Array, float]] = []
        self.challenger: _Fit | None = None
        self.seeded = 0  # how many of `recent` came from the run the challenger started on
        self.llr = 0.0  # log-likelihood ratio, challenger against the fit, over its trial
        self.updates = 0
        self._rng = np.random.default_rng(seed)
        dc = context_dim + (1 if intercept else 0)
        self._dc = dc
        shape = (context_dim, action_dim)
        mean = np.zeros(shape) if prior is None or prior.mean is None else prior.mean
        mean = np.asarray(mean, dtype=np.float64)
        if mean.shape != shape or not np.isfinite(mean).all():
            raise PolicyError(f"prior mean must be finite with shape ({context_dim}, {action_dim})")
        scale = np.ones(shape) if prior is None or prior.precision is None else prior.precision
        scale = np.asarray(scale, dtype=np.float64)
        if scale.shape != shape or not (np.isfinite(scale).all() and (scale > 0).all()):
            raise PolicyError(
                f"prior precision must be positive with shape ({context_dim}, {action_dim})"
            )
        if intercept:
            mean = np.vstack([mean, np.zeros(action_dim)])
            scale = np.vstack([scale, np.ones(action_dim)])
        m = np.ones((dc, action_dim), dtype=bool) if mask is None else np.asarray(mask, bool)
        if m.shape != (dc, action_dim) or not m.any():
            raise PolicyError(f"mask must have shape ({dc}, {action_dim}) and learn something")
        self.mask = m
        self._flat = np.flatnonzero(m.ravel())
        self.prior_full = mean  # (dc, da), the weights outside the mask stay here
        self._fixed = np.where(m, 0.0, mean)
        self.prior_mean = mean.ravel()[self._flat].copy()
        self._scale = scale
        self.prior_precision = strength * scale.ravel()[self._flat]
        self.fit = _Fit(self.prior_precision, self.prior_mean, forget)

    # -- the model -------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        """How many weights the policy learns."""
        return len(self._flat)

    @property
    def theta(self) -> Array:
        """The learned weights (of the fit that chooses, never the challenger's)."""
        return self.fit.theta

    def _context(self, c: Array) -> Array:
        return np.append(c, 1.0) if self.intercept else c

    def _x(self, c: Array, a: Array) -> Array:
        """The learned features of each candidate (k, d): the masked outer products."""
        return np.asarray((c[None, :, None] * a[:, None, :]).reshape(len(a), -1)[:, self._flat])

    def weights(self) -> Array:
        """The mean weights W (dc, da), with the constant row last when `intercept`."""
        w = self._fixed.copy().ravel()
        w[self._flat] = self.theta
        return w.reshape(self._dc, self.action_dim)

    def mean_scores(self, context: Array, actions: Array) -> Array:
        c, a = check_inputs(context, actions, self.context_dim, self.action_dim)
        return self._mean(self._context(c), a)

    def _mean(self, c: Array, a: Array) -> Array:
        """Each candidate's expected reward, for a context with its constant."""
        return np.asarray(a @ (c @ self.weights()))

    def _scores(self, c: Array, a: Array) -> tuple[Array, Array]:
        c = self._context(c)
        mean = self._mean(c, a)
        if self.bonus <= 0:  # the bonus alone needs each candidate's features
            return mean, mean
        var = self.fit.variance(self._x(c, a))
        return mean + self.bonus * np.sqrt(np.maximum(var, 0.0)), mean

    def _probabilities(self, scores: Array) -> Array:
        k = len(scores)
        gaps = scores.max() - scores
        best = gaps <= TIE  # candidates scored alike share the best one's mass
        probs = 1.0 / (k * (1.0 + self.gamma * gaps))
        probs[best] = 0.0
        probs[best] = max(0.0, 1.0 - probs.sum()) / best.sum()
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
        x = self._x(self._context(c), a[index : index + 1])[0]
        fixed = float(a[index] @ (self._context(c) @ self._fixed))  # the rules' fixed part
        predicted = fixed + float(x @ self.fit.theta)
        self.fit.update(x, r - fixed)
        if self.alarm <= 0:
            return
        seen = (c, a[index].copy(), r)
        if self.challenger is not None:
            self.llr += _loglik(r, fixed + float(x @ self.challenger.theta))
            self.llr -= _loglik(r, predicted)
            self.challenger.update(x, r - fixed)
            self.recent.append(seen)
            self._settle_trial()
            return
        self.surprise = max(0.0, self.surprise + disappointment(r, predicted, self.drop))
        if self.trial > 0:
            self.recent = [*self.recent, seen][-RUN:] if self.surprise > 0 else []
        if self.surprise > self.alarm:
            if self.trial > 0:
                self._start_trial()
            else:
                self._fall_back()

    def _replay(self, seen: list[tuple[Array, Array, float]]) -> _Fit:
        """A fit from the prior of these rewards alone."""
        fit = _Fit(self.prior_precision, self.prior_mean, self.forget)
        for context, a, r in seen:
            c = self._context(context)
            fit.update(self._x(c, a[None, :])[0], r - float(a @ (c @ self._fixed)))
        return fit

    def _start_trial(self) -> None:
        """Tips it was sure of keep failing: a challenger learns from the suspected change on."""
        self.challenger = self._replay(self.recent)
        self.seeded, self.llr, self.surprise = len(self.recent), 0.0, 0.0

    def _settle_trial(self) -> None:
        done = len(self.recent) - self.seeded >= self.trial
        if self.llr >= self.margin or (done and self.llr > 0):
            assert self.challenger is not None
            self._fall_back(self.challenger)  # the taste changed
        elif not (self.llr <= -self.margin or done):
            return
        self.challenger, self.recent, self.seeded, self.llr = None, [], 0, 0.0

    def _fall_back(self, since: _Fit | None = None) -> None:
        """A change of taste: the evidence is discounted at once by `keep`, the prior taking
        back the rest as `forget` does slowly; then what `since` learned from the rewards
        after the change is added whole."""
        a, b = self.fit.evidence()
        a0, b0 = np.diag(self.prior_precision), self.prior_precision * self.prior_mean
        a, b = self.keep * a + (1 - self.keep) * a0, self.keep * b + (1 - self.keep) * b0
        if since is not None:
            a_new, b_new = since.evidence()
            a, b = a + (a_new - a0), b + (b_new - b0)
        self.fit.reset((a + a.T) / 2, b)
        self.surprise = 0.0

    def contributions(self, context: Array, action: Array) -> tuple[Array, float]:
        """Each term W[i, j] * c[i] * a[j] of one candidate's mean score, and its bonus.

        The terms add up to the mean score; mean plus bonus is the candidate's score.
        """
        c, a = check_inputs(context, np.atleast_2d(action), self.context_dim, self.action_dim)
        terms = self.weights() * np.outer(self._context(c), a[0])
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
            "intercept": self.intercept,
            "updates": self.updates,
            "alarm": self.alarm,
            "drop": self.drop,
            "keep": self.keep,
            "surprise": self.surprise,
            "trial": self.trial,
            "margin": self.margin,
            "challenger": self.challenger is not None,
            "seeded": self.seeded,
            "llr": self.llr,
        }

    def to_bytes(self) -> bytes:
        """The precision matrix's upper triangle as float32, b, the prior and the mask, and
        the rewards of the CUSUM's run or the challenger's trial."""
        a, b = self.fit.evidence()
        upper = np.triu_indices(len(a))
        prior = self.prior_full[: self.context_dim]
        arrays = {
            "a_upper": a[upper].astype(np.float32),
            "b": b,
            "prior": prior.astype(np.float32),
            "precision": self._scale[: self.context_dim].astype(np.float32),
            "mask": np.packbits(self.mask.ravel()),
        }
        if self.recent:
            arrays["recent_c"] = np.array([c for c, _, _ in self.recent])
            arrays["recent_a"] = np.array([a for _, a, _ in self.recent])
            arrays["recent_r"] = np.array([r for _, _, r in self.recent])
        return dump_blob("linear", self.config(), arrays)

    def project(self, mask: Array) -> LinearBandit:
        """The same policy learning only the weights in `mask` (a change of feature map):
        each kept weight keeps its learned mean, with the evidence about it. A challenger's
        trial is dropped (its fit is of the old map)."""
        keep = np.asarray(mask, bool)
        policy = self._like(self.config(), keep)
        learned, _ = self.fit.evidence()
        full_theta = self.weights().ravel()
        full_a = np.zeros((keep.size, keep.size))
        idx = self._flat
        full_a[np.ix_(idx, idx)] = learned
        common = np.intersect1d(policy._flat, idx)
        sub = np.diag(policy.prior_precision).copy()
        pos = np.searchsorted(policy._flat, common)
        sub[np.ix_(pos, pos)] = full_a[np.ix_(common, common)]
        theta = full_theta[policy._flat]
        policy.fit.reset(sub, sub @ theta)
        policy.updates = self.updates
        policy._rng = self._rng
        return policy

    @classmethod
    def _build(
        cls, config: dict[str, Any], prior: Prior, mask: Array, *, seed: int | None
    ) -> LinearBandit:
        """A fresh policy with the settings in `config` (as `config()` writes them)."""
        return cls(
            str(config["name"]),
            *(int(v) for v in config["dims"]),
            seed=seed,
            prior=prior,
            bonus=float(config["bonus"]),
            gamma=float(config["gamma"]),
            forget=float(config["forget"]),
            strength=float(config["strength"]),
            floor=float(config["floor"]),
            frozen=bool(config["frozen"]),
            intercept=bool(config.get("intercept", False)),
            mask=mask,
            # Blobs stored before the change-of-taste watch load with it off, and those
            # stored before its challenger discount at the alarm itself (trial 0).
            alarm=float(config.get("alarm", 0.0)),
            drop=float(config.get("drop", 0.1)),
            keep=float(config.get("keep", 0.5)),
            trial=int(config.get("trial", 0)),
            margin=float(config.get("margin", 2.0)),
        )

    def _like(self, config: dict[str, Any], mask: Array) -> LinearBandit:
        """A fresh policy with this one's prior and the settings in `config`."""
        prior = Prior(self.prior_full[: self.context_dim], self._scale[: self.context_dim])
        return self._build(config, prior, mask, seed=None)

    def retuned(self, settings: dict[str, float]) -> LinearBandit:
        """The same policy with other settings from here on (`bonus`, `gamma`, `forget`,
        `strength`, `floor` and the watch's), keeping what it learned: the evidence stays,
        and a new ridge strength moves only the prior's part of it (A = strength * prior
        precision + the rewards' part), so the fit is exact. A challenger's trial goes on
        when the watch still runs trials."""
        policy = self._like({**self.config(), **settings}, self.mask)
        a, b = self.fit.evidence()
        moved = policy.prior_precision - self.prior_precision
        policy.fit.reset(a + np.diag(moved), b + moved * self.prior_mean)
        policy.updates, policy._rng = self.updates, self._rng
        if policy.alarm > 0 and policy.trial > 0:
            policy.surprise, policy.recent = self.surprise, list(self.recent)
            if self.challenger is not None:
                policy.seeded, policy.llr = self.seeded, self.llr
                policy.challenger = policy._replay(policy.recent)
        return policy

    @classmethod
    def from_state(
        cls, config: dict[str, Any], arrays: dict[str, Array], *, seed: int | None = None
    ) -> LinearBandit:
        dc, da = (int(v) for v in config["dims"])
        intercept = bool(config.get("intercept", False))
        rows = dc + (1 if intercept else 0)
        prior = np.asarray(arrays["prior"], dtype=np.float64).reshape(-1)
        precision = np.asarray(arrays["precision"], dtype=np.float64).reshape(-1)
        if prior.shape != (dc * da,) or precision.shape != (dc * da,):
            raise PolicyError("policy parameters have the wrong shape")
        if "mask" in arrays:
            bits = np.unpackbits(np.asarray(arrays["mask"], dtype=np.uint8))
            mask = bits[: rows * da].astype(bool).reshape(rows, da)
        else:  # version 1: every weight learned, A stored whole
            mask = np.ones((rows, da), dtype=bool)
        d = int(mask.sum())
        b = np.asarray(arrays["b"], dtype=np.float64)
        if "a_upper" in arrays:
            upper = np.asarray(arrays["a_upper"], dtype=np.float64)
            if upper.shape != (d * (d + 1) // 2,):
                raise PolicyError("policy parameters have the wrong shape")
            a = np.zeros((d, d))
            a[np.triu_indices(d)] = upper
            a = a + np.triu(a, 1).T
        else:
            a = np.asarray(arrays["a"], dtype=np.float64)
        if a.shape != (d, d) or b.shape != (d,):
            raise PolicyError("policy parameters have the wrong shape")
        if not (np.isfinite(a).all() and np.isfinite(b).all() and np.isfinite(prior).all()):
            raise PolicyError("policy parameters contain NaN or infinity")
        policy = cls._build(
            config, Prior(prior.reshape(dc, da), precision.reshape(dc, da)), mask, seed=seed
        )
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError as exc:
            raise PolicyError("policy parameters are not positive definite") from exc
        policy.fit.reset(a, b)
        policy.updates = int(config["updates"])
        policy.surprise = float(config.get("surprise", 0.0))
        if "recent_r" in arrays:
            rc, ra = np.asarray(arrays["recent_c"]), np.asarray(arrays["recent_a"])
            rr = np.asarray(arrays["recent_r"], dtype=np.float64)
            n = len(rr)
            if rc.shape != (n, dc) or ra.shape != (n, da) or not np.isfinite(rc).all():
                raise PolicyError("policy parameters have the wrong shape")
            policy.recent = [(rc[i], ra[i], float(rr[i])) for i in range(n)]
        if config.get("challenger"):
            policy.seeded = int(config.get("seeded", 0))
            policy.llr = float(config.get("llr", 0.0))
            policy.challenger = policy._replay(policy.recent)
        return policy
