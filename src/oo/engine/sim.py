"""A simulator of synthetic people, to measure policies before any person meets them.

Each person has tastes (which categories they act on), a daily rhythm (when they look and
what suits which hour), a mood that wanders, preferences that drift, and tips they ignore.
Their expected reward for a candidate is linear in oO's own features: `c @ W* @ a`, with
`W*` the population's effects (not exactly oO's prior) plus personal taste, rhythm and mood
terms; a reaction is 1 (done/useful) with that probability, else 0; an ignored tip gives
`IGNORED_REWARD`. The oracle knows `W*` at every step. Every policy sees the same people,
contexts, candidates and random draws (common random numbers), so differences are the
policies' own.

Regret is reported as a share of the oracle's cumulative expected reward.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np  # noqa: TID253 - the simulator is numpy through and through
import numpy.typing as npt  # noqa: TID253

from oo.engine import features, library
from oo.engine.features import ACTION_DIM, CATEGORIES, CONTEXT_DIM, Candidate, Context
from oo.engine.parts import NAMES as PARTS_OF_DAY
from oo.engine.parts import part_at
from oo.engine.rewards import IGNORED_REWARD

Array = npt.NDArray[np.float64]

USER_TYPES = ("steady", "drifting", "busy")
CHECKPOINTS = (300, 1_000, 20_000)


def candidate_pool(
    rng: np.random.Generator,
) -> tuple[list[tuple[Candidate, tuple[str, ...]]], dict[str, set[int]]]:
    """The library's tips, two habits and four todos, each with the parts of the day it
    is offered in, and for each part of the day the tips made for it."""
    parts = PARTS_OF_DAY
    pool: list[tuple[Candidate, tuple[str, ...]]] = []
    exact: dict[str, set[int]] = {p: set() for p in parts}
    for tip in library.load():
        when = parts if "any" in tip.when else tuple(tip.when)
        for p in tip.when:
            if p in exact:
                exact[p].add(len(pool))
        pool.append((features.library_candidate(tip, "any"), when))
    for n in range(2):
        habit = Candidate(
            f"habit {n}",
            "todo",
            "movement" if n else "mindfulness",
            "habit",
            source_ref=f"habit-{n}",
            urgency=0.5,
            minutes=10,
        )
        pool.append((habit, parts))
    for n in range(4):
        todo = Candidate(
            f"todo {n}",
            "todo",
            "planning",
            "todoist",
            source_ref=f"todo-{n}",
            urgency=float(rng.uniform(0, 1)),
            minutes=int(rng.integers(5, 60)),
        )
        pool.append((todo, parts))
    return pool, exact


@dataclass
class World:
    """One synthetic person over `steps` decisions, with `k` candidates each."""

    user: str
    seed: int
    steps: int
    k: int = 20
    contexts: Array = field(init=False)
    candidates: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng([self.seed, USER_TYPES.index(self.user)])
        pool, self._exact = candidate_pool(rng)
        self.pool_ids = [c.key for c, _ in pool]
        self.pool_parts = [parts for _, parts in pool]
        prior = np.array(features.prior_weights())
        cat = slice(ACTION_DIM - len(CATEGORIES), ACTION_DIM)
        # The population differs from oO's rules, and each person from the population.
        w = prior + rng.normal(0, 0.03, prior.shape) * (prior != 0)
        taste_sd = 0.08 if self.user == "busy" else 0.15
        w[0, cat] += rng.normal(0, taste_sd, len(CATEGORIES))  # taste
        w[1:3, cat] += rng.normal(0, 0.08, (2, len(CATEGORIES)))  # what suits which hour
        w[5, 5:7] += rng.normal(0, 0.08, 2)  # mood and energy
        w[0, 1:5] += rng.normal(0, 0.08, 4)  # todos, habits, returning, llm
        w[0, 7] += rng.normal(0, 0.05)  # quick tips
        self.w = w
        self.drift = np.zeros((self.steps, len(CATEGORIES)))
        if self.user == "drifting":
            walk = rng.normal(0, 0.006, (self.steps, len(CATEGORIES)))
            self.drift = np.cumsum(walk, axis=0)
            # A change of heart halfway: the favourite category goes out of fashion.
            favourite = int(np.argmax(w[0, cat]))
            self.drift[self.steps // 2 :, favourite] -= 0.25
        self.ignore_base = {"steady": 0.15, "drifting": 0.2, "busy": 0.45}[self.user]
        # Daily rhythm: the hours at which this person reacts (two peaks).
        peaks = rng.uniform([7, 17], [10, 22])
        which = rng.integers(0, 2, self.steps)
        hours = np.mod(rng.normal(peaks[which], 1.5), 24)
        weekdays = rng.integers(0, 7, self.steps)
        mood = np.clip(3 + np.cumsum(rng.normal(0, 0.3, self.steps)) * 0.2, 1, 5)
        mood = np.clip(np.round(mood + rng.normal(0, 0.6, self.steps)), 1, 5)
        mood_known = rng.random(self.steps) < 0.6
        busy = rng.random(self.steps) < (0.45 if self.user == "busy" else 0.25)
        free = np.where(busy, 0.0, rng.exponential(90, self.steps))
        tasks = rng.poisson(2 if self.user == "busy" else 1, self.steps)
        self.contexts = np.zeros((self.steps, CONTEXT_DIM))
        self.candidates = np.zeros((self.steps, self.k), dtype=np.int64)
        self.actions = np.zeros((self.steps, self.k, ACTION_DIM))
        for t in range(self.steps):
            ctx = Context(
                hour=float(hours[t]),
                weekday=int(weekdays[t]),
                part_of_day=part_at(float(hours[t])),
                mood=int(mood[t]) if mood_known[t] else None,
                mood_trend=float(np.clip(mood[t] - mood[t - 1], -1, 1)) / 2 if t else 0.0,
                minutes_since_reaction=float(rng.exponential(300)),
                overdue=int(tasks[t] // 2),
                due_today=int(tasks[t] % 2),
                busy_now=bool(busy[t]),
                free_block_minutes=float(free[t]),
            )
            self.contexts[t] = features.context_vector(ctx)
            fitting = [i for i, parts in enumerate(self.pool_parts) if ctx.part_of_day in parts]
            chosen = rng.choice(fitting, size=min(self.k, len(fitting)), replace=False)
            self.candidates[t] = chosen
            for j, i in enumerate(chosen):
                cand, _ = pool[i]
                cand.fit = (
                    1.0
                    if ctx.part_of_day in self.pool_parts[i] and i in self._exact[ctx.part_of_day]
                    else 0.5
                )
                self.actions[t, j] = features.action_vector(cand, ctx)
        self.ignored = rng.random(self.steps) < np.where(
            busy, min(0.9, self.ignore_base * 2), self.ignore_base
        )
        self.noise = rng.random((self.steps, self.k))
        self.categories = np.argmax(self.actions[:, :, cat], axis=2)
        self.expected = np.array([self._expected(t) for t in range(self.steps)])

    def _expected(self, t: int) -> Array:
        base = self.actions[t] @ (self.contexts[t] @ self.w)
        base = base + self.drift[t, self.categories[t]]
        p = np.clip(base, 0.01, 0.99)
        q = 0.9 if self.ignored[t] else 0.0
        return np.asarray((1 - q) * p + q * IGNORED_REWARD)

    def reward(self, t: int, j: int) -> float:
        if self.ignored[t]:
            return IGNORED_REWARD
        p = float(np.clip(self.expected[t, j], 0.0, 1.0))
        return 1.0 if self.noise[t, j] < p else 0.0


class Agent(Protocol):
    name: str

    def choose(self, t: int, context: Array, actions: Array, ids: Sequence[str]) -> int: ...

    def update(
        self, context: Array, actions: Array, ids: Sequence[str], index: int, reward: float
    ) -> None: ...


class PolicyAgent:
    """An oO policy (oo.engine.policies) in the simulator."""

    def __init__(self, name: str, seed: int, *, use_prior: bool = True, label: str = "") -> None:
        from oo.engine.policies import Prior, get_policy

        prior = (
            Prior(np.array(features.prior_weights()), np.array(features.prior_precision()))
            if use_prior
            else None
        )
        self.policy = get_policy(
            name,
            context_dim=CONTEXT_DIM,
            action_dim=ACTION_DIM,
            seed=seed,
            prior=prior,
            intercept=False,  # oO's context has its constant
        )
        self.name = label or f"oO {name}"

    def choose(self, t: int, context: Array, actions: Array, ids: Sequence[str]) -> int:
        return self.policy.choose(context, actions).index

    def update(
        self, context: Array, actions: Array, ids: Sequence[str], index: int, reward: float
    ) -> None:
        self.policy.update(context, actions, index, reward)


class Oracle:
    name = "oracle"

    def __init__(self, world: World) -> None:
        self.world = world

    def choose(self, t: int, context: Array, actions: Array, ids: Sequence[str]) -> int:
        return int(np.argmax(self.world.expected[t]))

    def update(
        self, context: Array, actions: Array, ids: Sequence[str], index: int, reward: float
    ) -> None:
        return None


@dataclass
class Result:
    agent: str
    user: str
    seed: int
    regret: dict[int, float]  # checkpoint -> cumulative regret as a share of the oracle
    per_second: float  # decisions plus updates per second, the agent's own time
    error: str | None = None


def run(world: World, agent: Agent, checkpoints: Sequence[int] = CHECKPOINTS) -> Result:
    best = world.expected.max(axis=1)
    oracle_total = np.cumsum(best)
    got = np.zeros(world.steps)
    spent = 0.0
    for t in range(world.steps):
        ids = [world.pool_ids[i] for i in world.candidates[t]]
        c, a = world.contexts[t], world.actions[t]
        start = time.perf_counter()
        j = agent.choose(t, c, a, ids)
        reward = world.reward(t, j)
        agent.update(c, a, ids, j, reward)
        spent += time.perf_counter() - start
        got[t] = world.expected[t, j]
    mine = np.cumsum(got)
    regret = {
        n: float((oracle_total[n - 1] - mine[n - 1]) / oracle_total[n - 1])
        for n in checkpoints
        if n <= world.steps
    }
    return Result(agent.name, world.user, world.seed, regret, world.steps / max(spent, 1e-9))


AgentFactory = Callable[[World, int], Agent]


def oo_agents() -> dict[str, AgentFactory]:
    return {
        "oracle": lambda world, seed: Oracle(world),
        "oO default": lambda world, seed: PolicyAgent("default", seed),
        "oO default, no prior": lambda world, seed: PolicyAgent(
            "default", seed, use_prior=False, label="oO default, no prior"
        ),
        "oO greedy": lambda world, seed: PolicyAgent("greedy", seed),
        "oO squarecb": lambda world, seed: PolicyAgent("squarecb", seed),
        "oO linucb": lambda world, seed: PolicyAgent("linucb", seed),
        "oO prior only": lambda world, seed: PolicyAgent("prior", seed, label="oO prior only"),
        "uniform": lambda world, seed: PolicyAgent("uniform", seed, label="uniform"),
    }


def table(results: list[Result], checkpoints: Sequence[int] = CHECKPOINTS) -> str:
    """Mean regret (share of the oracle) per agent and checkpoint, over users and seeds."""
    agents: dict[str, list[Result]] = {}
    for r in results:
        agents.setdefault(r.agent, []).append(r)
    shown = [n for n in checkpoints if any(n in r.regret for r in results)]
    head = f"{'policy':<26}" + "".join(f"{'@' + format(n, ','):>10}" for n in shown)
    lines = [head + f"{'dec/s':>10}  runs", "-" * (len(head) + 16)]
    for name, rows in agents.items():
        ok = [r for r in rows if r.error is None]
        if not ok:
            lines.append(f"{name:<26}  {rows[0].error}")
            continue
        cells = ""
        for n in shown:
            values = [r.regret[n] for r in ok if n in r.regret]
            cells += f"{100 * sum(values) / len(values):>9.1f}%" if values else f"{'-':>10}"
        speed = sorted(r.per_second for r in ok)[len(ok) // 2]
        lines.append(f"{name:<26}{cells}{speed:>10,.0f}  {len(ok)}")
    return "\n".join(lines)


def simulate(
    factories: dict[str, AgentFactory],
    *,
    users: Sequence[str] = USER_TYPES,
    seeds: Sequence[int] = (0,),
    steps: int = 1_000,
    k: int = 20,
    log: Callable[[str], None] | None = None,
) -> list[Result]:
    results = []
    for user in users:
        for seed in seeds:
            world = World(user, seed, steps, k)
            for name, make in factories.items():
                try:
                    agent = make(world, seed)
                    result = run(world, agent)
                except Exception as exc:  # a peer that fails is reported, not fatal
                    result = Result(name, user, seed, {}, 0.0, f"failed: {exc}")
                results.append(result)
                if log is not None:
                    cells = ", ".join(f"{n}: {100 * v:.1f}%" for n, v in result.regret.items())
                    log(f"{user} seed {seed} {name}: {cells or result.error}")
    return results


def mean_regret(results: list[Result], agent: str, n: int) -> float:
    values = [r.regret[n] for r in results if r.agent == agent and n in r.regret]
    return sum(values) / len(values) if values else math.nan


# -- the persona suite -------------------------------------------------------------------
# Six kinds of person, each checking 3-6 times a day for DAYS days. Unlike `World`, a
# persona's taste is not linear in oO's features: it is written the way a person would
# describe it ("movement in the morning"), so a policy has to find the pattern, not copy
# it. A reaction is done (reward 1) with the persona's probability; otherwise the tip is
# ignored (reward IGNORED_REWARD) or dismissed (0). The expected reward of a candidate is
# known exactly, so the oracle and every policy's regret are exact.

DAYS = 30
PERSONAS = (
    "morning mover",
    "low-mood evenings",
    "tasks and a full calendar",
    "habit builder",
    "todos, not advice",
    "taste changes at day 15",
)
GENTLE = frozenset(features.GENTLE)
_ENERGETIC = frozenset({"movement", "outdoors"})


@dataclass(frozen=True)
class Moment:
    """What a persona's taste depends on at one check."""

    day: int
    part: str
    mood: int
    busy: bool


def _p_done(persona: str, m: Moment, cand: Candidate) -> float:
    """The probability that this persona acts on this candidate at this moment."""
    habit, todo = cand.source == "habit", cand.kind == "todo" and cand.source != "habit"
    cat, morning = cand.category, m.part == "morning"
    evening = m.part in ("evening", "night")
    if persona == "morning mover":
        if cat in _ENERGETIC:
            return 0.8 if morning else 0.15
        return 0.25 if cat in ("nutrition", "planning") and morning else 0.15
    if persona == "low-mood evenings":
        if evening and m.mood <= 2:
            return 0.75 if cat in GENTLE else 0.05
        if evening:
            return 0.45 if cat in GENTLE else 0.15
        return 0.4 if cat in ("focus", "learning") else 0.15
    if persona == "tasks and a full calendar":
        if todo:
            return 0.35 + 0.5 * cand.urgency
        quick = cand.minutes is not None and cand.minutes <= 5
        if m.busy:
            return 0.35 if quick else 0.03
        return 0.3 if cat in ("planning", "focus") else 0.1
    if persona == "habit builder":
        if habit:
            return 0.75
        return 0.35 if cat in ("mindfulness", "reflection") else 0.12
    if persona == "todos, not advice":
        if todo:
            return 0.55 + 0.3 * cand.urgency
        return 0.8 if habit else 0.03
    if persona == "taste changes at day 15":
        before = m.day < 14
        if cat in ("focus", "learning"):
            return 0.65 if before else 0.08
        if cat in ("outdoors", "relationships", "movement"):
            return 0.08 if before else 0.65
        return 0.18
    raise ValueError(f"unknown persona {persona!r}")


def _ignore_share(persona: str, busy: bool) -> float:
    base = 0.5 if persona == "todos, not advice" else 0.3
    return min(0.8, base + (0.2 if busy else 0.0))


@dataclass
class PersonaWorld:
    """One persona over DAYS days: every check's context, candidates and expected rewards."""

    persona: str
    seed: int
    days: int = DAYS
    k: int = 12

    def __post_init__(self) -> None:
        rng = np.random.default_rng([self.seed, 1 + PERSONAS.index(self.persona)])
        pool, exact = candidate_pool(rng)
        full = self.persona == "tasks and a full calendar"
        day_of: list[int] = []
        part_of: list[str] = []
        contexts, actions, expected, ignore = [], [], [], []
        for day in range(self.days):
            checks = int(rng.integers(3, 7))
            hours = np.sort(rng.uniform(7.0, 23.0, checks))
            for hour in hours:
                part = part_at(float(hour))
                evening = part in ("evening", "night")
                if self.persona == "low-mood evenings" and evening:
                    mood = int(rng.choice([1, 2, 2, 3]))
                else:
                    mood = int(rng.choice([2, 3, 3, 4, 4, 5]))
                busy = bool(rng.random() < (0.55 if full else 0.2))
                tasks = int(rng.poisson(3 if full else 1))
                ctx = Context(
                    hour=float(hour),
                    weekday=day % 7,
                    part_of_day=part,
                    mood=mood if rng.random() < 0.7 else None,
                    mood_trend=0.0,
                    minutes_since_reaction=float(rng.exponential(200)),
                    habits_due=1,
                    overdue=tasks // 2,
                    due_today=tasks % 2,
                    busy_now=busy,
                    free_block_minutes=0.0 if busy else float(rng.exponential(90)),
                )
                fitting = [i for i, (_, parts) in enumerate(pool) if part in parts]
                chosen = rng.choice(fitting, size=min(self.k, len(fitting)), replace=False)
                moment = Moment(day, part, mood, busy)
                acts, exp = [], []
                share = _ignore_share(self.persona, busy)
                for i in chosen:
                    cand, _ = pool[int(i)]
                    cand.fit = 1.0 if int(i) in exact[part] else 0.5
                    acts.append(features.action_vector(cand, ctx))
                    p = _p_done(self.persona, moment, cand)
                    exp.append(p + (1 - p) * share * IGNORED_REWARD)
                day_of.append(day)
                part_of.append(part)
                contexts.append(features.context_vector(ctx))
                actions.append(acts)
                expected.append(exp)
                ignore.append(share)
        self.day = np.array(day_of)
        self.part = part_of
        self.contexts = np.array(contexts)
        self.actions = np.array(actions)
        self.expected = np.array(expected)
        self.ignore = np.array(ignore)
        self.noise = rng.random((len(day_of), 2))
        self.steps = len(day_of)

    def reward(self, t: int, j: int) -> float:
        """One reaction: done (1), else ignored (IGNORED_REWARD) or dismissed (0)."""
        share = self.ignore[t]
        p = (self.expected[t, j] - share * IGNORED_REWARD) / (1 - share * IGNORED_REWARD)
        if self.noise[t, 0] < p:
            return 1.0
        return IGNORED_REWARD if self.noise[t, 1] < share else 0.0


class PersonaAgent(Protocol):
    name: str

    def choose(self, t: int, context: Array, actions: Array) -> int: ...

    def update(self, context: Array, actions: Array, index: int, reward: float) -> None: ...


class PolicyPersonaAgent:
    def __init__(self, name: str, seed: int, label: str) -> None:
        self.name = label
        from oo.engine import state

        self.policy = state.fresh(name, seed)

    def choose(self, t: int, context: Array, actions: Array) -> int:
        return self.policy.choose(context, actions).index

    def update(self, context: Array, actions: Array, index: int, reward: float) -> None:
        self.policy.update(context, actions, index, reward)
        self.policy.to_bytes()  # oO stores the policy after each reaction, which re-syncs it


def persona_agents() -> dict[str, Callable[[PersonaWorld, int], Any]]:
    return {
        "rules": lambda world, seed: PolicyPersonaAgent("prior", seed, "rules"),
        "uniform": lambda world, seed: PolicyPersonaAgent("uniform", seed, "uniform"),
        "oO": lambda world, seed: PolicyPersonaAgent("default", seed, "oO"),
    }


@dataclass
class PersonaResult:
    agent: str
    persona: str
    seed: int
    daily: Array  # (days,) mean expected reward of the tips shown that day


def run_persona(world: PersonaWorld, agent: Any) -> PersonaResult:
    """One agent through one persona's checks, learning as oO does: the tip shown after a
    reaction is the standby, drawn before that reaction was learned (oo.engine.current), so
    a check in the same part of the day as a reacted-to one is chosen before that reward is
    learned. After an ignored tip (it expired) or a new part of the day, the standby is no
    longer good and the tip is chosen afresh, after learning."""
    got = np.zeros(world.steps)
    pending: tuple[Array, Array, int, float] | None = None
    for t in range(world.steps):
        c, a = world.contexts[t], world.actions[t]
        if agent is None:
            j = int(np.argmax(world.expected[t]))
        else:
            standby = (
                pending is not None
                and pending[3] != IGNORED_REWARD
                and (world.day[t], world.part[t]) == (world.day[t - 1], world.part[t - 1])
            )
            if pending is not None and not standby:
                agent.update(*pending)
                pending = None
            j = agent.choose(t, c, a)
            if pending is not None:
                agent.update(*pending)
            pending = (c, a, j, world.reward(t, j))
        got[t] = world.expected[t, j]
    daily = np.array([got[world.day == d].mean() for d in range(world.days)])
    name = "oracle" if agent is None else agent.name
    return PersonaResult(name, world.persona, world.seed, daily)


def simulate_personas(
    factories: dict[str, Callable[[PersonaWorld, int], Any]],
    persona: str,
    seeds: Sequence[int],
) -> list[PersonaResult]:
    out = []
    for seed in seeds:
        world = PersonaWorld(persona, seed)
        out.append(run_persona(world, None))
        for make in factories.values():
            out.append(run_persona(world, make(world, seed)))
    return out


WEEKS = ((0, 7), (7, 14), (14, 21), (21, 30))
LATE = (21, 30)  # days 22-30


@dataclass
class PersonaSummary:
    persona: str
    weekly: dict[str, list[float]]  # agent -> mean expected reward per week
    days_to_beat: int | None  # first day from which oO stays ahead of the rules (3-day mean)
    gap_closed: float  # share of the rules-to-oracle gap closed over days 22-30
    weeks_behind: int  # weeks in which oO is behind the rules (paired mean)
    gap_margin: float = 0.0  # half the 95 % interval of gap_closed, over seeds


def summarize(results: list[PersonaResult], agent: str = "oO") -> PersonaSummary:
    by: dict[str, Array] = {}
    for name in dict.fromkeys(r.agent for r in results):
        by[name] = np.array([r.daily for r in results if r.agent == name])
    weekly = {name: [float(d[:, a:b].mean()) for a, b in WEEKS] for name, d in by.items()}
    diff = (by[agent] - by["rules"]).mean(axis=0)  # paired by seed
    smooth = np.array([diff[max(0, d - 2) : d + 1].mean() for d in range(len(diff))])
    days_to_beat = None
    for d in range(len(smooth)):
        if (smooth[d:] > 0).all():
            days_to_beat = d + 1
            break
    a, b = LATE
    gaps = (by["oracle"][:, a:b] - by["rules"][:, a:b]).mean(axis=1)  # per seed
    gains = (by[agent][:, a:b] - by["rules"][:, a:b]).mean(axis=1)
    gap, gain = float(gaps.mean()), float(gains.mean())
    closed = gain / gap if gap > 0 else 0.0
    margin = 0.0
    if gap > 0 and len(gaps) > 1:  # a ratio of means: its standard error by the delta method
        spread = float(np.std(gains - closed * gaps, ddof=1))
        margin = 1.96 * spread / np.sqrt(len(gaps)) / gap
    behind = sum(1 for w in range(len(WEEKS)) if weekly[agent][w] < weekly["rules"][w])
    persona = results[0].persona
    return PersonaSummary(persona, weekly, days_to_beat, closed, behind, margin)


def persona_table(summaries: list[PersonaSummary]) -> str:
    head = f"{'persona':<27}{'policy':<9}" + "".join(f"{f'days {a + 1}-{b}':>11}" for a, b in WEEKS)
    lines = [head, "-" * len(head)]
    for s in summaries:
        for i, (name, weeks) in enumerate(s.weekly.items()):
            label = s.persona if i == 0 else ""
            lines.append(f"{label:<27}{name:<9}" + "".join(f"{w:>11.3f}" for w in weeks))
        beat = "never" if s.days_to_beat is None else f"day {s.days_to_beat}"
        lines.append(
            f"{'':<27}oO ahead of the rules from {beat}; gap closed over days 22-30:"
            f" {100 * s.gap_closed:.0f} % (± {100 * s.gap_margin:.0f});"
            f" weeks behind the rules: {s.weeks_behind}"
        )
    return "\n".join(lines)
