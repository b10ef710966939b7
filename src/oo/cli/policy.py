"""`oo policy list | eval | promote | shadow | sim`: the policies behind the tips."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oo.cli import common
from oo.errors import OOError

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command("list")
def list_(json: JsonOption = False) -> None:
    """Known policies, which one is active, and which run in its shadow."""
    from oo.engine import state
    from oo.engine.policies import POLICIES

    with common.store() as conn:
        stored = state.roles(conn)
    rows = [
        {
            "name": name,
            "description": description,
            "role": stored.get(name, ("", 0, ""))[0] or None,
            "updates": stored.get(name, ("", 0, ""))[1],
        }
        for name, (description, _) in POLICIES.items()
    ]
    if json:
        common.emit_json(rows)
        return
    for row in rows:
        role = row["role"] or "-"
        print(f"{row['name']:<9} {role:<7} {row['updates']:>6} updates  {row['description']}")


@app.command("eval")
def eval_(json: JsonOption = False) -> None:
    """Off-policy estimates (IPS, SNIPS, clipped DR) of each policy on the logged decisions,
    with the effective sample size and the largest importance weight."""
    from oo.engine import ope

    with common.store() as conn:
        estimates = ope.evaluate(conn)
    if json:
        common.emit_json([e.to_dict() for e in estimates])
        return
    if not estimates:
        print("No rewarded decisions yet: react to a few tips first.")
        return
    print(
        f"{'policy':<10}{'role':<10}{'n':>6}{'ESS':>7}{'max w':>8}{'IPS':>8}{'SNIPS':>8}"
        f"{'DR':>8}   gain vs active (95 %)"
    )
    for e in estimates:
        gain = "" if e.role == "active" else f"{e.gain:+.3f} [{e.lower:+.3f}, {e.upper:+.3f}]"
        print(
            f"{e.policy:<10}{e.role:<10}{e.decisions:>6}{e.ess:>7.1f}{e.max_weight:>8.1f}"
            f"{e.ips:>8.3f}{e.snips:>8.3f}{e.dr:>8.3f}   {gain}"
        )
    for e in estimates:
        if e.role == "active":
            continue
        if e.verdict == ope.NOT_ENOUGH:
            print(
                f"{e.policy}: {ope.NOT_ENOUGH} (effective sample size {e.ess:.1f},"
                f" largest importance weight {e.max_weight:.1f}, interval width"
                f" {e.upper - e.lower:.2f})"
            )
        elif e.verdict == "no clear difference":
            print(f"{e.policy}: no clear difference from the active policy")
        else:
            print(f"{e.policy}: {e.verdict} than the active policy")
    print(
        f"DR clips importance weights at {ope.CLIP:g}; ESS = effective sample size of the"
        " importance weights."
    )


@app.command()
def promote(
    name: Annotated[str, typer.Argument(help="A policy running in shadow.")],
    json: JsonOption = False,
) -> None:
    """Make a shadow policy the active one, only if it beats the incumbent with confidence."""
    from oo.engine import ope, state
    from oo.events.v1 import tips_pb2
    from oo.store import events
    from oo.store.db import transaction

    now = common.now()
    with common.store() as conn:
        roles = state.roles(conn)
        if roles.get(name, ("",))[0] != "shadow":
            raise OOError(
                f"{name!r} is not running in shadow; start it with `oo policy shadow {name}`"
            )
        estimate = next((e for e in ope.evaluate(conn) if e.policy == name), None)
        enough = estimate is not None and estimate.decisions >= ope.MIN_DECISIONS
        if estimate is not None and enough and estimate.ess < ope.MIN_ESS:
            raise OOError(
                f"{name!r} cannot be judged yet: the log is worth only {estimate.ess:.1f}"
                f" effective decisions for it (at least {ope.MIN_ESS:g} needed,"
                f" largest importance weight {estimate.max_weight:.1f}); nothing was changed"
            )
        if estimate is None or not ope.better(estimate):
            seen = 0 if estimate is None else estimate.decisions
            bound = "" if estimate is None else f"; gain lower bound {estimate.lower:+.3f}"
            raise OOError(
                f"{name!r} does not beat the active policy with confidence yet "
                f"({seen} decisions, {ope.MIN_DECISIONS} needed{bound}); nothing was changed"
            )
        with transaction(conn):
            previous = conn.execute(
                "SELECT name FROM policy_state WHERE role = 'active'"
            ).fetchone()[0]
            conn.execute("UPDATE policy_state SET role = 'shadow' WHERE role = 'active'")
            conn.execute("UPDATE policy_state SET role = 'active' WHERE name = ?", (name,))
            events.append(
                conn,
                tips_pb2.PolicyPromoted(
                    policy=name,
                    previous=previous,
                    estimated_gain=estimate.gain,
                    lower_bound=estimate.lower,
                    decisions=estimate.decisions,
                ),
                now=now,
            )
    if json:
        common.emit_json({"promoted": name, "previous": previous, **estimate.to_dict()})
    else:
        print(f"{name} is now the active policy ({previous} runs in its shadow).")


@app.command()
def shadow(
    name: Annotated[str, typer.Argument(help="A policy from `oo policy list`.")],
    remove: Annotated[bool, typer.Option("--remove", help="Stop running it.")] = False,
) -> None:
    """Run a policy in the shadow of the active one (or stop running it)."""
    from oo.engine import state
    from oo.engine.policies import POLICIES
    from oo.store.db import transaction

    if name not in POLICIES:
        raise OOError(f"unknown policy {name!r}; see `oo policy list`", 2)
    now = common.now()
    with common.store() as conn, transaction(conn):
        state.load(conn, now=now)
        role = state.roles(conn).get(name, ("",))[0]
        if role == "active":
            raise OOError(f"{name!r} is the active policy")
        if remove:
            conn.execute("DELETE FROM policy_state WHERE name = ? AND role = 'shadow'", (name,))
        elif role != "shadow":
            state.save(conn, state.fresh(name), now=now, role="shadow")
    print(f"{name} {'no longer runs' if remove else 'runs'} in shadow.")


@app.command()
def sim(
    steps: Annotated[int, typer.Option(help="Decisions per simulated person.")] = 1_000,
    seeds: Annotated[int, typer.Option(help="Simulated people per user type.")] = 1,
    peers: Annotated[
        bool, typer.Option(help="Include Vowpal Wabbit and MABWiser when installed.")
    ] = True,
    json: JsonOption = False,
) -> None:
    """Simulate synthetic people and compare policies' regret (share of an oracle)."""
    from oo.engine import sim as simulator

    if not 1 <= steps <= 100_000 or not 1 <= seeds <= 20:
        raise OOError("--steps takes 1..100000 and --seeds 1..20", 2)
    factories = dict(simulator.oo_agents())
    missing = ""
    if peers:
        try:
            from oo.engine.peers import peer_agents

            factories.update(peer_agents())
        except ImportError as exc:
            missing = f"peers not installed ({exc.name}); install the dev extras to compare"
    checkpoints = tuple(n for n in (*simulator.CHECKPOINTS, steps) if n <= steps)
    results = simulator.simulate(
        factories,
        seeds=range(seeds),
        steps=steps,
        log=lambda line: print(line, file=sys.stderr),
    )
    if json:
        common.emit_json(
            [
                {
                    "policy": r.agent,
                    "user": r.user,
                    "seed": r.seed,
                    "error": r.error,
                    "regret": {str(k): v for k, v in r.regret.items()},
                    "decisions_per_second": r.per_second,
                }
                for r in results
            ]
        )
        return
    print(simulator.table(results, sorted(set(checkpoints))))
    if missing:
        print(missing)
