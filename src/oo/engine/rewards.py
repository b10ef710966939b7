"""Reaction -> reward, the number the policy learns from (documented in docs/engine.md).

The rewards live in the table of reactions (`oo.engine.tips.TABLE`):
done 1.0: the person acted on it; useful 0.8: it helped even if not acted on;
later 0.4: right tip, wrong moment; ignored 0.1: shown, no reaction before it expired
(weak evidence, not a rejection); dismissed 0.0: not for this person.
A tip that expired without ever being shown teaches nothing (no update).
"""

from __future__ import annotations

from oo.engine.tips import TABLE

REWARDS: dict[str, float] = {r.status: r.reward for r in TABLE}
IGNORED_REWARD = REWARDS["ignored"]


def reward(status: str, *, shown: bool = True) -> float | None:
    """The reward for a tip's final status; None when there is nothing to learn."""
    if status == "ignored" and not shown:
        return None
    return REWARDS.get(status)
