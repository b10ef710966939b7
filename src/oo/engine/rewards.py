"""Reaction -> reward, the number the policy learns from (documented in docs/engine.md).

done 1.0: the person acted on it; useful 0.8: it helped even if not acted on;
later 0.4: right tip, wrong moment; ignored 0.1: shown, no reaction before it expired
(weak evidence, not a rejection); dismissed 0.0: not for this person.
A tip that expired without ever being shown teaches nothing (no update).
"""

from __future__ import annotations

REWARDS: dict[str, float] = {
    "done": 1.0,
    "useful": 0.8,
    "later": 0.4,
    "ignored": 0.1,
    "dismissed": 0.0,
}
IGNORED_REWARD = REWARDS["ignored"]


def reward(status: str, *, shown: bool = True) -> float | None:
    """The reward for a tip's final status; None when there is nothing to learn."""
    if status == "ignored" and not shown:
        return None
    return REWARDS.get(status)
