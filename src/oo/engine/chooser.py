"""One decision: context -> candidates -> the active policy (and its shadows) -> a choice.

Also how long a tip lasts (until the part of the day changes) and how a decision explains
itself: each feature term's contribution to the chosen tip's score, largest first.
"""

from __future__ import annotations

import math
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oo.clock import iso, parse_iso
from oo.engine import candidates as candidate_sources
from oo.engine import context as context_mod
from oo.engine import parts
from oo.engine.features import (
    ACTION_FEATURES,
    CONTEXT_FEATURES,
    Candidate,
    Context,
    action_vector,
    context_vector,
)

part_of_day = parts.part_of_day
TOP_TERMS = 6


def expiry(now: datetime) -> datetime:
    """A tip lasts until the part of the day changes (at least 45 minutes)."""
    end = parts.part_ends(now)
    if end - now < timedelta(minutes=45):
        end = parts.part_ends(end + timedelta(seconds=1))
    return end


@dataclass
class Choice:
    candidate: Candidate
    propensity: float
    policy: str
    version: str
    context: list[float]
    candidates: list[Candidate]
    actions: list[list[float]]
    index: int
    scores: list[float]
    probabilities: list[float]
    shadows: dict[str, dict[str, Any]] = field(default_factory=dict)
    why: dict[str, Any] = field(default_factory=dict)


_CONTEXT_LABELS = {
    "bias": "",
    "hour_sin": "at this hour",
    "hour_cos": "at this hour",
    "weekday_sin": "on this weekday",
    "weekday_cos": "on this weekday",
    "mood": "with your recent mood",
    "mood_known": "when you've logged a mood",
    "mood_trend": "with your mood's trend",
    "recent_reaction": "right after a reaction",
    "task_pressure": "with tasks due",
    "busy_now": "while your calendar is busy",
    "free_block": "with free time ahead",
}
_ACTION_LABELS = {
    "bias": "any tip",
    "todo": "a task",
    "habit": "a habit nudge",
    "returning": "a tip you asked to see again",
    "llm": "an LLM-written tip",
    "energy_low": "a low-energy tip",
    "energy_high": "a high-energy tip",
    "quick": "a quick tip (5 min or less)",
    "fits_now": "made for this part of the day",
    "urgency": "its urgency",
    "fits_free_block": "fits the free time before your next event",
}


def term_label(context_feature: str, action_feature: str) -> str:
    what = _ACTION_LABELS.get(action_feature)
    if what is None and action_feature.startswith("category_"):
        what = f"{action_feature.removeprefix('category_')} tips"
    when = _CONTEXT_LABELS.get(context_feature, context_feature)
    return f"{what} {when}".strip()


def explain_terms(terms: Any) -> list[dict[str, Any]]:
    """The terms of the expected reward grouped by readable label, largest magnitude first;
    the small ones are summed as "other terms", so the list adds up to the expected reward."""
    grouped: dict[str, float] = {}
    for i, cname in enumerate(CONTEXT_FEATURES):
        for j, aname in enumerate(ACTION_FEATURES):
            value = float(terms[i, j])
            if value != 0.0:
                label = term_label(cname, aname)
                grouped[label] = grouped.get(label, 0.0) + value
    items = sorted(grouped.items(), key=lambda kv: -abs(kv[1]))
    shown = [(k, v) for k, v in items[:TOP_TERMS] if abs(v) >= 5e-4]
    rest = sum(v for k, v in items if (k, v) not in shown)
    out = [{"term": k, "value": round(v, 4)} for k, v in shown]
    if abs(rest) >= 5e-5:
        out.append({"term": "other terms", "value": round(rest, 4)})
    return out


Loaded = list[tuple[str, Any]]  # (role, policy), the active one first

# Variety: a category may fill at most VARIETY_SHARE of the tips shown in a day or a week
# unless the person's reactions favour it with confidence, and the same text does not come
# back within TEXT_REPEAT unless asked for (`later`). Both enter the policy as score offsets,
# before its probabilities, so the logged propensity is the exact chance of the draw.
VARIETY_SHARE = 0.4
VARIETY_MIN_SHOWN = 4  # tips shown in the window before its share counts
VARIETY_PENALTY = 0.3  # per window (day, week) the category would go over its share
REPEAT_PENALTY = 0.6
TEXT_REPEAT = timedelta(days=7)
FAVOUR_WINDOW = timedelta(days=30)
FAVOUR_Z = 1.64  # one-sided 95 %


def _wilson(positive: int, n: int, z: float) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = positive / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def favoured(conn: sqlite3.Connection, now: datetime) -> set[str]:
    """Categories the person's reactions favour with confidence: the share of done or
    useful reactions is above every other category's together (Wilson bounds, 95 %)."""

    counts: dict[str, list[int]] = {}
    for row in conn.execute(
        "SELECT category, status FROM tips WHERE reacted_at >= ? AND reacted_at <= ?"
        " AND status IN ('done', 'useful', 'later', 'dismissed', 'ignored')"
        " AND shown_at IS NOT NULL",
        (iso(now - FAVOUR_WINDOW), iso(now)),
    ):
        pair = counts.setdefault(row["category"], [0, 0])
        pair[0] += row["status"] in ("done", "useful")
        pair[1] += 1
    total_pos = sum(p for p, _ in counts.values())
    total_n = sum(n for _, n in counts.values())
    found = set()
    for category, (pos, n) in counts.items():
        low, _ = _wilson(pos, n, FAVOUR_Z)
        _, high = _wilson(total_pos - pos, total_n - n, FAVOUR_Z)
        if total_n - n > 0 and low > high:
            found.add(category)
    return found


def variety_offsets(
    conn: sqlite3.Connection,
    now: datetime,
    cands: list[Candidate],
    also_shown: sqlite3.Row | None = None,
) -> list[float]:
    """A score offset per candidate (0 or negative) for variety; see VARIETY_SHARE.

    `also_shown`: a tip to count as shown now (the current tip, when drawing the standby)."""

    day_start = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    day: dict[str, int] = {}
    week: dict[str, int] = {}
    texts: set[str] = set()
    for row in conn.execute(
        "SELECT category, text, shown_at FROM tips WHERE shown_at >= ? AND shown_at <= ?",
        (iso(now - TEXT_REPEAT), iso(now)),
    ):
        week[row["category"]] = week.get(row["category"], 0) + 1
        if row["shown_at"] >= iso(day_start):
            day[row["category"]] = day.get(row["category"], 0) + 1
        texts.add(row["text"])
    if also_shown is not None:
        week[also_shown["category"]] = week.get(also_shown["category"], 0) + 1
        day[also_shown["category"]] = day.get(also_shown["category"], 0) + 1
        texts.add(also_shown["text"])
    liked = favoured(conn, now) if week else set()
    offsets = []
    for cand in cands:
        if cand.returning:
            offsets.append(0.0)  # asked for: neither rule applies
            continue
        value = -REPEAT_PENALTY if cand.text in texts else 0.0
        if cand.category not in liked:
            for counts in (day, week):
                total = sum(counts.values())
                if total < VARIETY_MIN_SHOWN:
                    continue  # too few tips yet for a share to mean anything
                if (counts.get(cand.category, 0) + 1) / (total + 1) > VARIETY_SHARE:
                    value -= VARIETY_PENALTY
        offsets.append(value)
    return offsets


def decide(
    conn: sqlite3.Connection,
    now: datetime,
    rng: random.Random,
    policies: Loaded | None = None,
    *,
    after: sqlite3.Row | None = None,
) -> Choice | None:
    """Choose a tip; None when there is nothing to suggest. Call inside a transaction.

    `policies` are those `learn_pending` just updated, so they are not loaded twice.
    `after`: draw the standby, the tip to show after this current one. It leaves out the
    current tip and what a reaction to it settles (the same library tip, task, habit or
    moment), and tips due back from `later` (those come back through a fresh decision), and
    counts the current tip as shown for variety.
    """
    import numpy as np  # heavy: only when a decision is made

    from oo.engine import state

    ctx: Context = context_mod.gather(conn, now)
    found = candidate_sources.gather(conn, now, ctx, rng)
    if after is not None:
        found = [cand for cand in found if not _settled_with(cand, after)]
    c = context_vector(ctx)
    rows = [(cand, action_vector(cand, ctx)) for cand in found]
    # Non-finite features are rejected at the boundary: that candidate is left out.
    rows = [(cand, a) for cand, a in rows if all(math.isfinite(v) for v in a)]
    if not rows or not all(math.isfinite(v) for v in c):
        return None
    cands = [cand for cand, _ in rows]
    actions = np.array([a for _, a in rows])
    context = np.array(c)
    if policies is None:
        policies = state.load(conn, now=now, seed=rng.getrandbits(63))
    _, active = policies[0]
    offsets = np.array(variety_offsets(conn, now, cands, also_shown=after))
    decision = active.choose(context, actions, offsets=offsets)
    shadows: dict[str, dict[str, Any]] = {}
    for _, shadow in policies[1:]:
        probs = shadow.probabilities(context, actions, offsets=offsets)
        mean = getattr(shadow, "mean_scores", None)
        shadows[shadow.name] = {
            "version": shadow.version,
            "probabilities": [round(float(p), 6) for p in probs],
            "scores": [round(float(s), 6) for s in mean(context, actions)] if mean else [],
        }
    chosen = cands[decision.index]
    why = _why(active, decision, cands, context=context, actions=actions, ctx=ctx)
    return Choice(
        candidate=chosen,
        propensity=float(decision.propensity),
        policy=active.name,
        version=active.version,
        context=[float(v) for v in context],
        candidates=cands,
        actions=[[float(v) for v in row] for row in actions],
        index=decision.index,
        scores=[float(s) for s in decision.scores],
        probabilities=[float(p) for p in decision.probabilities],
        shadows=shadows,
        why=why,
    )


def _settled_with(cand: Candidate, tip: sqlite3.Row) -> bool:
    if cand.returning is not None or cand.text == tip["text"]:
        return True
    if cand.library_id is not None and cand.library_id == tip["library_id"]:
        return True
    return cand.source_ref is not None and cand.source_ref == tip["source_ref"]


def _why(
    active: Any, decision: Any, cands: list[Candidate], *, context: Any, actions: Any, ctx: Context
) -> dict[str, Any]:
    """What `oo why` shows: the score split into expected reward (its terms), the optimism
    bonus and any offset the caller added (variety); whether the draw was made to learn;
    and the best other candidate."""
    import numpy as np  # heavy: only when a decision is made

    index = decision.index
    chosen = cands[index]
    score = float(decision.scores[index])
    why: dict[str, Any] = {
        "policy": f"{active.name}/{active.version}",
        "propensity": round(decision.propensity, 6),
        "score": round(score, 4),
        "candidates": len(cands),
        "reasons": list(chosen.reasons),
        "signals": ctx.signals(),
        "learned_from": active.updates,
    }
    contributions = getattr(active, "contributions", None)
    if contributions is not None:
        terms, bonus = contributions(context, actions[index])
        mean = float(terms.sum())
        why["expected_reward"] = round(mean, 4)
        why["bonus"] = round(bonus, 4)
        why["offset"] = round(score - mean - bonus, 4)
        why["terms"] = explain_terms(terms)
    best = int(np.argmax(decision.scores))
    why["exploratory"] = bool(decision.scores[best] > score)
    if len(cands) > 1:
        others = np.array(decision.scores, dtype=np.float64)
        others[index] = -np.inf
        runner = int(np.argmax(others))
        why["runner_up"] = {
            "text": cands[runner].text,
            "score": round(float(decision.scores[runner]), 4),
            "probability": round(float(decision.probabilities[runner]), 6),
        }
    return why


def learn_pending(
    conn: sqlite3.Connection, now: datetime, *, seed: int | None = None
) -> Loaded | None:
    """Learn every reward not yet learned, oldest reaction first, and settle its decision.

    A decision is settled once its tip has a final status: its reward is learned, or it is
    marked as teaching nothing (a tip that expired without being shown). Returns the updated
    policies, or None when nothing was learned. Call inside a transaction.
    """
    import json

    import numpy as np  # heavy: only when learning

    from oo.engine import rewards, state

    rows = conn.execute(
        "SELECT d.tip_id, d.context, d.actions, d.chosen, t.status, t.shown_at,"
        " t.reacted_at, t.later_until FROM rewards r"
        " JOIN decisions d ON d.tip_id = r.tip_id JOIN tips t ON t.id = r.tip_id"
        " WHERE r.settled_at IS NULL AND t.status NOT IN ('current', 'standby')"
        " ORDER BY t.reacted_at, d.tip_id"
    ).fetchall()
    policies: Loaded | None = None
    for row in rows:
        later_minutes = None
        if row["status"] == "later" and row["later_until"] and row["reacted_at"]:
            # `later` teaches by the time asked for: soon is nearly a yes, days ahead a no.
            ahead = parse_iso(row["later_until"]) - parse_iso(row["reacted_at"])
            later_minutes = ahead.total_seconds() / 60
        reward = rewards.reward(
            row["status"], shown=row["shown_at"] is not None, later_minutes=later_minutes
        )
        if reward is not None:
            if policies is None:
                policies = state.load(conn, now=now, seed=seed)
            try:
                context = np.array(json.loads(row["context"]), dtype=np.float64)
                actions = np.array(json.loads(row["actions"]), dtype=np.float64)
            except (ValueError, TypeError):  # a damaged log row teaches nothing
                context = actions = np.zeros(0)
            for _, policy in policies:
                try:
                    policy.update(context, actions, int(row["chosen"]), reward)
                except ValueError:  # a log row this policy cannot read (features changed)
                    continue
        conn.execute(
            "UPDATE rewards SET reward = ?, settled_at = ? WHERE tip_id = ?",
            (reward, iso(now), row["tip_id"]),
        )
    for _, policy in policies or []:
        state.save(conn, policy, now=now)
    return policies
