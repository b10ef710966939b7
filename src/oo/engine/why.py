"""Why a tip was chosen: the signals used, each feature term's contribution to its score
(largest first), the probability it was drawn with, and the runner-up.

Reads what the decision stored in `tips.why`; standard library only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from oo.errors import OOError

_SIGNAL_NAMES = {
    "part_of_day": "part of the day",
    "mood": "mood (last 12 h)",
    "mood_trend": "mood trend",
    "minutes_since_tip": "minutes since the last tip",
    "minutes_since_reaction": "minutes since your last reaction",
    "habits_due": "habits due",
    "overdue": "overdue tasks",
    "due_today": "tasks due today",
    "busy_now": "calendar busy now",
    "minutes_to_next_event": "minutes to the next event",
    "free_block_minutes": "free minutes ahead",
}


def explain(conn: sqlite3.Connection, tip_id: str | None = None) -> dict[str, Any]:
    """The explanation of a tip (the current one when tip_id is None)."""
    if tip_id is None:
        row = conn.execute("SELECT * FROM tips WHERE status = 'current'").fetchone()
        if row is None:
            raise OOError("there is no current tip to explain; see `oo tip`")
    else:
        row = conn.execute("SELECT * FROM tips WHERE id = ?", (tip_id,)).fetchone()
        if row is None:
            raise OOError(f"no tip with id {tip_id!r} in this database")
    try:
        why = json.loads(row["why"] or "{}")
    except ValueError:
        why = {}
    if not isinstance(why, dict):
        why = {}
    return {
        "tip_id": row["id"],
        "text": row["text"],
        "policy": row["policy"],
        "propensity": float(row["propensity"]),  # exact; the why blob keeps a rounded copy
        "score": why.get("score"),
        "reasons": list(why.get("reasons", [])),
        "terms": list(why.get("terms", [])),
        "signals": dict(why.get("signals", {})),
        "expected_reward": why.get("expected_reward"),
        "bonus": why.get("bonus"),
        "offset": why.get("offset"),
        "exploratory": bool(why.get("exploratory", False)),
        "runner_up": why.get("runner_up"),
        "candidates": why.get("candidates"),
        "learned_from": why.get("learned_from"),
        "provenance": _provenance(row),
    }


_PROVENANCE = ("model_alias", "model", "run_id", "prompt_version", "signal")


def _provenance(row: sqlite3.Row) -> dict[str, Any] | None:
    """Where a generated tip came from (model, run, prompt, signal); None for other tips."""
    if row["source"] != "llm":
        return None
    keys = row.keys()
    return {k: row[k] if k in keys else None for k in _PROVENANCE}


def _signal_text(name: str, value: Any) -> str:
    label = _SIGNAL_NAMES.get(name, name.replace("_", " "))
    if value is None:
        return f"{label}: unknown"
    if isinstance(value, bool):
        return f"{label}: {'yes' if value else 'no'}"
    if isinstance(value, float):
        return f"{label}: {value:g}"
    return f"{label}: {value}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _score_line(info: dict[str, Any]) -> str | None:
    score, mean = info.get("score"), info.get("expected_reward")
    if score is None:
        return None
    if mean is None:  # explanations stored before the score was split
        return f"Score {score:.3f} (expected reward plus the optimism bonus):"
    parts = [f"expected reward {mean:.3f}"]
    bonus, offset = info.get("bonus") or 0.0, info.get("offset") or 0.0
    if abs(bonus) >= 5e-4:
        parts.append(f"optimism bonus {bonus:+.3f} (still learning)")
    if abs(offset) >= 5e-4:
        parts.append(f"variety {offset:+.3f}")
    return f"Score {score:.3f} = " + ", ".join(parts) + ". The expected reward is:"


def render(info: dict[str, Any]) -> str:
    """The explanation for a person, like a task manager's urgency breakdown."""
    lines = [info["text"], ""]
    head = f"Chosen by {info['policy']} with probability {info['propensity']:.3g}"
    if info.get("candidates"):
        head += f" among {plural(int(info['candidates']), 'candidate')}"
    if info.get("learned_from") is not None:
        head += f", after learning from {plural(int(info['learned_from']), 'reaction')}"
    lines.append(head + ".")
    made = info.get("provenance")
    if made:
        lines.append(
            f"Written by {made['model']} ({made['model_alias']}), run {made['run_id']},"
            f" prompt v{made['prompt_version']}, about {made['signal']}."
        )
    runner = info.get("runner_up")
    if info.get("exploratory") and runner:
        lines.append(
            f"Chosen to learn; the best-scored was: {runner['text']}"
            f" (score {runner['score']:.3f}, probability {runner['probability']:.3g})."
        )
    if info["terms"]:
        score_line = _score_line(info)
        if score_line:
            lines.append(score_line)
        width = max(len(t["term"]) for t in info["terms"])
        for term in info["terms"]:
            lines.append(f"  {term['value']:+.3f}  {term['term']:<{width}}".rstrip())
    if info["reasons"]:
        lines.append("Because: " + "; ".join(info["reasons"]) + ".")
    signals = info.get("signals") or {}
    shown = [
        _signal_text(k, v)
        for k, v in signals.items()
        if k not in ("hour", "weekday") and k in _SIGNAL_NAMES
    ]
    if shown:
        lines.append("Signals: " + ", ".join(shown) + ".")
    if runner and not info.get("exploratory"):
        lines.append(
            f"Runner-up (score {runner['score']:.3f}, probability {runner['probability']:.3g}):"
            f" {runner['text']}"
        )
    return "\n".join(lines)
