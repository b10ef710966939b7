"""The numbers a policy sees: the context at decision time and each candidate's features.

Standard library only (lists of floats); the policy turns them into numpy arrays.
Missing signals are explicit: each `Context` field is None when unknown, and the vector
carries a `*_known` flag beside a neutral value, never a zero that looks like data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from oo.engine import library

CATEGORIES = (
    "focus", "home", "learning", "mindfulness", "mood", "movement", "nutrition",
    "outdoors", "planning", "reflection", "relationships", "rest", "sleep",
)  # fmt: skip

CONTEXT_FEATURES = (
    "bias",
    "hour_sin",
    "hour_cos",
    "weekday_sin",
    "weekday_cos",
    "mood",  # (score - 3) / 2, 0 when unknown
    "mood_known",
    "mood_trend",  # change over the last days, -1..1, 0 when unknown
    "recent_reaction",  # 1 just reacted .. 0 a day or more ago (or never)
    "task_pressure",  # overdue and due-today tasks, 0..1, 0 when no task source
    "busy_now",  # in a busy calendar event, 0 when no calendar
    "free_block",  # free time before the next event, 0..1 (4 h), 0 when no calendar
)

ACTION_FEATURES = (
    "bias",
    "todo",
    "habit",
    "returning",
    "llm",
    "energy_low",
    "energy_high",
    "quick",  # takes 5 minutes or less
    "fits_now",  # 1 made for this part of the day, 0.5 any time
    "urgency",  # overdue / due today (todo), not done yet today (habit)
    "fits_free_block",  # takes less than the free time before the next event
    *(f"category_{name}" for name in CATEGORIES),
)

CONTEXT_DIM = len(CONTEXT_FEATURES)
ACTION_DIM = len(ACTION_FEATURES)
_C = {name: i for i, name in enumerate(CONTEXT_FEATURES)}
_A = {name: i for i, name in enumerate(ACTION_FEATURES)}


@dataclass
class Context:
    """Signals at decision time; None means the signal is not available."""

    hour: float  # local, 0..24
    weekday: int  # 0 Monday .. 6 Sunday
    part_of_day: str
    mood: int | None = None
    mood_trend: float | None = None
    minutes_since_tip: float | None = None
    minutes_since_reaction: float | None = None
    habits_due: int = 0
    habit_strength: dict[str, float] = field(default_factory=dict)  # habit id -> 0..1
    overdue: int | None = None
    due_today: int | None = None
    busy_now: bool | None = None
    minutes_to_next_event: float | None = None
    free_block_minutes: float | None = None

    def signals(self) -> dict[str, object]:
        """The signals as a person reads them (for `oo why`)."""
        return {
            "hour": round(self.hour, 2),
            "weekday": self.weekday,
            "part_of_day": self.part_of_day,
            "mood": self.mood,
            "mood_trend": self.mood_trend,
            "minutes_since_tip": _round(self.minutes_since_tip),
            "minutes_since_reaction": _round(self.minutes_since_reaction),
            "habits_due": self.habits_due,
            "overdue": self.overdue,
            "due_today": self.due_today,
            "busy_now": self.busy_now,
            "minutes_to_next_event": _round(self.minutes_to_next_event),
            "free_block_minutes": _round(self.free_block_minutes),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def context_vector(ctx: Context) -> list[float]:
    v = [0.0] * CONTEXT_DIM
    v[_C["bias"]] = 1.0
    angle = 2 * math.pi * ctx.hour / 24
    v[_C["hour_sin"]], v[_C["hour_cos"]] = math.sin(angle), math.cos(angle)
    day = 2 * math.pi * ctx.weekday / 7
    v[_C["weekday_sin"]], v[_C["weekday_cos"]] = math.sin(day), math.cos(day)
    if ctx.mood is not None:
        v[_C["mood"]] = (ctx.mood - 3) / 2
        v[_C["mood_known"]] = 1.0
        v[_C["mood_trend"]] = max(-1.0, min(1.0, ctx.mood_trend or 0.0))
    if ctx.minutes_since_reaction is not None:
        v[_C["recent_reaction"]] = math.exp(-max(ctx.minutes_since_reaction, 0.0) / 240)
    if ctx.overdue is not None or ctx.due_today is not None:
        pressure = 2 * (ctx.overdue or 0) + (ctx.due_today or 0)
        v[_C["task_pressure"]] = min(1.0, math.log1p(pressure) / math.log1p(10))
    if ctx.busy_now is not None:
        v[_C["busy_now"]] = 1.0 if ctx.busy_now else 0.0
    if ctx.free_block_minutes is not None:
        v[_C["free_block"]] = min(1.0, max(ctx.free_block_minutes, 0.0) / 240)
    return v


@dataclass
class Candidate:
    """A tip that could be shown now, with what the policy needs to score it."""

    text: str
    kind: str
    category: str
    source: str
    library_id: str | None = None
    source_ref: str | None = None
    returning: str | None = None  # id of the tip put off with `later`
    energy: str | None = None  # low, medium, high (library tips)
    minutes: int | None = None
    fit: float = 0.5  # 1 made for this part of the day, 0.5 any time
    urgency: float = 0.0
    reasons: list[str] = field(default_factory=list)
    # What a candidate rule needs to tell whether it can be done now (not policy features).
    place: str = "any"  # indoors, outdoors or any
    signal: str | None = None  # the signal of now a composed tip is tied to
    expires_at: datetime | None = None  # when its moment passes

    @property
    def key(self) -> str:
        return self.library_id or self.source_ref or self.text


def action_vector(cand: Candidate, ctx: Context | None = None) -> list[float]:
    v = [0.0] * ACTION_DIM
    v[_A["bias"]] = 1.0
    v[_A["todo"]] = 1.0 if cand.kind == "todo" and cand.source != "habit" else 0.0
    v[_A["habit"]] = 1.0 if cand.source == "habit" else 0.0
    v[_A["returning"]] = 1.0 if cand.returning else 0.0
    v[_A["llm"]] = 1.0 if cand.source == "llm" else 0.0
    v[_A["energy_low"]] = 1.0 if cand.energy == "low" else 0.0
    v[_A["energy_high"]] = 1.0 if cand.energy == "high" else 0.0
    v[_A["quick"]] = 1.0 if cand.minutes is not None and cand.minutes <= 5 else 0.0
    v[_A["fits_now"]] = cand.fit
    v[_A["urgency"]] = max(0.0, min(1.0, cand.urgency))
    if ctx is not None and ctx.free_block_minutes is not None and cand.minutes is not None:
        v[_A["fits_free_block"]] = 1.0 if cand.minutes <= ctx.free_block_minutes else 0.0
    slot = _A.get(f"category_{cand.category}")
    if slot is not None:
        v[slot] = 1.0
    return v


def library_candidate(tip: library.LibraryTip, part_of_day: str) -> Candidate:
    return Candidate(
        tip.text,
        "advice",
        tip.category,
        "library",
        library_id=tip.id,
        energy=tip.energy,
        minutes=tip.minutes,
        fit=1.0 if part_of_day in tip.when else 0.5,
        place=tip.place,
    )


GENTLE = ("mood", "rest", "mindfulness", "relationships", "sleep")


def prior_weights() -> list[list[float]]:
    """oO's rules as a prior mean W0 (context x action) on a reward scale of 0..1.

    A library tip starts near 0.3 expected reward; fitting the part of the day, a due
    habit, a returning tip and urgent todos add to it; a low mood favours low-energy and
    gentle tips and disfavours high-energy ones; busy moments favour quick tips.
    """
    w = [[0.0] * ACTION_DIM for _ in range(CONTEXT_DIM)]

    def put(c: str, a: str, value: float) -> None:
        w[_C[c]][_A[a]] = value

    put("bias", "bias", 0.25)
    put("bias", "fits_now", 0.1)
    put("bias", "habit", 0.25)
    put("bias", "returning", 0.3)
    put("bias", "todo", 0.1)
    put("bias", "urgency", 0.2)
    put("bias", "quick", 0.03)
    put("task_pressure", "todo", 0.1)
    put("mood", "energy_low", -0.1)
    put("mood", "energy_high", 0.1)
    for name in GENTLE:
        put("mood", f"category_{name}", -0.05)
    put("busy_now", "quick", 0.1)
    put("busy_now", "energy_high", -0.1)
    put("free_block", "fits_free_block", 0.05)
    return w


def learned_mask() -> list[list[bool]]:
    """Which weights of W (context x action) the policy learns; the rest stay at the prior.

    One person gives 3-6 decisions a day, too few for 288 free weights. The coarse pattern
    comes first: taste (the constant row: categories, kinds of tip, energy), what suits
    which hour (category and kind by time of day), mood (category and energy by mood), and
    the task, calendar and free-time terms that move kinds of tip.
    """
    learn: dict[str, tuple[str, ...]] = {
        "bias": ACTION_FEATURES,
        "hour_sin": _PATTERN,
        "hour_cos": _PATTERN,
        "mood": (*_CATEGORY_FEATURES, "energy_low", "energy_high", "todo"),
        "task_pressure": ("todo", "urgency", "quick"),
        "busy_now": ("quick", "todo", "energy_low", "energy_high"),
        "free_block": ("fits_free_block", "quick"),
    }
    return [[a in learn.get(c, ()) for a in ACTION_FEATURES] for c in CONTEXT_FEATURES]


_CATEGORY_FEATURES = tuple(f"category_{name}" for name in CATEGORIES)
_PATTERN = (*_CATEGORY_FEATURES, "todo", "habit", "energy_low", "energy_high", "quick")


def prior_precision() -> list[list[float]]:
    """How firmly each prior weight holds (a ridge precision, in decisions' worth).

    Personal taste (the constant row: which categories and kinds of tip a person acts on)
    is the first thing to learn, so it holds loosely; what suits which hour and mood comes
    next; the other interactions need more evidence before they move.
    """
    rows = {"bias": PRECISION_TASTE, "hour_sin": PRECISION_PATTERN, "hour_cos": PRECISION_PATTERN}
    rows["mood"] = PRECISION_PATTERN
    return [[rows.get(name, PRECISION_OTHER)] * ACTION_DIM for name in CONTEXT_FEATURES]


def tuning(policy: str) -> dict[str, float]:
    """oO's settings for a policy on one person's few decisions (measured with the persona
    suite, benchmarks/bench_personas.py; the policies' own defaults suit long streams).

    Evidence fades by FORGET a reaction (half-life about 170 reactions, five to eight weeks at
    3-6 a day) toward the prior, so a slow drift is followed; the default draws almost
    greedily (the uniform floor and near-ties explore), as the prior already ranks sensibly
    and each exploratory tip costs a person's attention.

    A sudden change of taste is faster than any fading: the default watches for tips it
    expected to work failing (a CUSUM of the log-likelihood ratio for "their chance fell to
    DROP times the prediction", ALARM nats) and then tries a challenger fitted on the rewards
    since: when it explains the next rewards better by MARGIN nats (within TRIAL rewards),
    only KEEP of the old evidence stays; otherwise it goes and nothing is lost (see
    LinearBandit).
    """
    if policy in ("prior", "uniform"):
        return {}
    if policy == "default":
        return {
            "forget": FORGET,
            "bonus": 0.0,
            "gamma": 10000.0,
            "floor": 0.01,
            "strength": 1.0,
            "alarm": ALARM,
            "drop": DROP,
            "keep": KEEP,
            "trial": TRIAL,
            "margin": MARGIN,
        }
    return {"forget": FORGET}


FORGET = 0.996
ALARM = 2.5
DROP = 0.1
KEEP = 0.2
TRIAL = 24
MARGIN = 2.0
PRECISION_TASTE = 3.0
PRECISION_PATTERN = 12.0
PRECISION_OTHER = 32.0


def prior() -> tuple[list[list[float]], list[list[float]]]:
    return prior_weights(), prior_precision()
