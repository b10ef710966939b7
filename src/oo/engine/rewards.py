"""Reaction -> reward, the number the policy learns from (documented in docs/engine.md).

The rewards live in the table of reactions (`oo.engine.tips.TABLE`):
done 1.0: the person acted on it; useful 0.8: it helped even if not acted on;
later 0.4: right tip, wrong moment; ignored 0.1: shown, no reaction before it expired
(weak evidence, not a rejection); dismissed 0.0: not for this person.
A tip that expired without ever being shown teaches nothing (no update).
`later` says more with the time asked for: back within LATER_SOON (right tip, a moment
early) 0.5; a day or more ahead (LATER_FAR, nearly a polite no) 0.25; in between 0.4.
"""

from __future__ import annotations

from oo.engine.tips import TABLE

REWARDS: dict[str, float] = {r.status: r.reward for r in TABLE}
IGNORED_REWARD = REWARDS["ignored"]


LATER_SOON_MINUTES = 120.0
LATER_FAR_MINUTES = 24 * 60.0
LATER_SOON_REWARD = 0.5
LATER_FAR_REWARD = 0.25


def reward(status: str, *, shown: bool = True, later_minutes: float | None = None) -> float | None:
    """The reward for a tip's final status; None when there is nothing to learn.

    `later_minutes`: for `later`, how far ahead the person asked to see the tip again.
    """
    if status == "ignored" and not shown:
        return None
    if status == "later" and later_minutes is not None:
        if later_minutes <= LATER_SOON_MINUTES:
            return LATER_SOON_REWARD
        if later_minutes >= LATER_FAR_MINUTES:
            return LATER_FAR_REWARD
    return REWARDS.get(status)
