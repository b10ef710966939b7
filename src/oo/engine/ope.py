"""Off-policy evaluation on the decision log: how would another policy have done?

Every logged decision holds the behaviour policy's propensity for what it chose, and each
shadow policy's probabilities and reward predictions over the same candidates. For a
target policy pi and logged decisions (a_i, p_i, r_i):

- IPS    = mean(r_i * pi(a_i) / p_i)
- SNIPS  = sum(r_i * w_i) / sum(w_i), with w_i = pi(a_i) / p_i
- DR     = mean(sum_b pi(b) q(b) + min(w_i, CLIP) * (r_i - q(a_i))), q the target's own
  predictions: doubly robust with the importance weight clipped at CLIP, so one decision
  the logging policy rarely made cannot swing the estimate (a small bias toward q instead).

Each estimate also says how much the log really tells about the target: the effective
sample size of the importance weights, ESS = (sum w)^2 / sum w^2, and the largest weight.
The gain over the incumbent is the per-decision DR estimate minus the reward actually
received. When the ESS is below MIN_ESS or the 95 % interval of the gain is wider than
MAX_WIDTH, the verdict is "not enough data to compare". Promotion needs at least
MIN_DECISIONS decisions, an ESS of at least MIN_ESS and the gain's 95 % lower bound above
zero. Standard library only.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

MIN_DECISIONS = 50
MIN_ESS = 30.0
MAX_WIDTH = 0.2  # a 95 % interval of the gain wider than this (in reward units) decides nothing
CLIP = 20.0
Z95 = 1.96
NOT_ENOUGH = "not enough data to compare"


@dataclass
class Estimate:
    policy: str
    role: str  # "active", "shadow" or "reference"
    decisions: int
    ips: float
    snips: float
    dr: float
    gain: float  # DR minus the incumbent's observed mean reward
    lower: float  # 95 % lower bound of the gain
    upper: float
    ess: float  # effective sample size of the importance weights
    max_weight: float  # the largest importance weight pi(a_i) / p_i
    verdict: str  # better, worse, no clear difference, or NOT_ENOUGH

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def _mean_sd(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var)


def _estimate(
    policy: str, role: str, rows: list[tuple[float, float, float, list[float], list[float], int]]
) -> Estimate:
    """rows: (reward, logged propensity, pi(chosen), pi and q over candidates, chosen)."""
    n = len(rows)
    ips, weights, dr, gains = [], [], [], []
    for reward, logged, target, probs, q, chosen in rows:
        w = target / logged
        ips.append(reward * w)
        weights.append(w)
        qc = [min(1.0, max(0.0, v)) for v in q] if q else [0.0] * len(probs)
        direct = sum(p * v for p, v in zip(probs, qc, strict=False))
        value = direct + min(w, CLIP) * (reward - qc[chosen])
        dr.append(value)
        gains.append(value - reward)
    total_w = sum(weights)
    snips = sum(v for v in ips) / total_w if total_w > 0 else 0.0
    gain, sd = _mean_sd(gains)
    half = Z95 * sd / math.sqrt(n) if n > 1 else math.inf
    squares = sum(w * w for w in weights)
    ess = total_w * total_w / squares if squares > 0 else 0.0
    lower, upper = gain - half, gain + half
    if role == "active":
        verdict = "incumbent"
    elif ess < MIN_ESS or upper - lower > MAX_WIDTH:
        verdict = NOT_ENOUGH
    elif lower > 0:
        verdict = "better"
    elif upper < 0:
        verdict = "worse"
    else:
        verdict = "no clear difference"
    return Estimate(
        policy,
        role,
        n,
        sum(ips) / n,
        snips,
        sum(dr) / n,
        gain,
        lower,
        upper,
        ess,
        max(weights),
        verdict,
    )


def evaluate(conn: sqlite3.Connection) -> list[Estimate]:
    """Estimates for the incumbent (on-policy), each shadow, and uniform random."""
    rows = conn.execute(
        "SELECT d.policy, d.chosen, d.propensity, d.scores, d.probabilities, d.shadows,"
        " r.reward FROM decisions d JOIN rewards r ON r.tip_id = d.tip_id"
        " WHERE r.reward IS NOT NULL ORDER BY d.time"
    ).fetchall()
    if not rows:
        return []
    by_policy: dict[str, list[Any]] = {}
    incumbent: list[Any] = []
    uniform: list[Any] = []
    for row in rows:
        reward, logged, chosen = float(row["reward"]), float(row["propensity"]), int(row["chosen"])
        probs = json.loads(row["probabilities"])
        scores = json.loads(row["scores"])
        incumbent.append((reward, logged, logged, probs, scores, chosen))
        k = len(probs)
        uniform.append((reward, logged, 1.0 / k, [1.0 / k] * k, scores, chosen))
        for name, shadow in json.loads(row["shadows"] or "{}").items():
            sp = shadow.get("probabilities") or []
            if len(sp) != k:
                continue
            by_policy.setdefault(name, []).append(
                (reward, logged, float(sp[chosen]), sp, shadow.get("scores") or [], chosen)
            )
    active = rows[-1]["policy"]
    out = [_estimate(active, "active", incumbent)]
    out += [_estimate(name, "shadow", data) for name, data in sorted(by_policy.items())]
    out.append(_estimate("uniform", "reference", uniform))
    return out


def better(estimate: Estimate) -> bool:
    """Beats the incumbent with confidence: enough decisions, enough effective ones, and a
    positive lower bound."""
    return estimate.decisions >= MIN_DECISIONS and estimate.ess >= MIN_ESS and estimate.lower > 0
