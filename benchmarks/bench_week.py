"""A persona's week of the tip loop, with a calendar and tasks connected (issue 12).

The engine runs in-process on a real SQLite file, as `oo` would; the calendar and the task
source are written through the sync runner (`connectors.sync.write`) with the Todoist
connector's own `build`. The persona reacts the same way to every kind of tip (a fixed mix
of done, useful, later, dismiss and no reaction), so any lean toward a category comes from
oO, not from them. Prints, with their goals:

- share of tips tied to the moment (a composed tip, a todo, a habit nudge, or a library
  tip whose tags match now: made for this part of the day, a mealtime or before-meeting tip
  at its time)                                                            >= 60 %
- distinct texts per tip shown                                             >= 80 %
- largest category share                                                   <= 40 %
- `oo tip` cold with a tip chosen, as a ratio to `python -c pass`          <= 5x (aim 2x)
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from common import OO, medians, report

START = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
MOMENTS = (
    "07:45", "09:10", "10:30", "12:05", "13:30", "15:00", "17:30", "19:00", "20:45", "22:30",
    "23:30",
)  # fmt: skip
MIX = (("done", 0.3), ("useful", 0.3), ("later", 0.1), ("dismiss", 0.1), ("none", 0.2))
MEETINGS = ((9, 30, 10, 0), (10, 0, 11, 0), (11, 0, 12, 0), (14, 0, 14, 30), (16, 0, 17, 0))
RUNS = 15


def _tasks(day: int) -> list[dict[str, object]]:
    date = (START + timedelta(days=day)).date()
    return [
        {"id": "t1", "content": "Q3 report", "due": {"date": str(date + timedelta(days=1))}},
        {"id": "t2", "content": "Book the dentist", "due": {"date": str(date - timedelta(days=2))}},
        {"id": f"d{day}", "content": "Reply to Sam", "due": {"date": str(date)}},
        {"id": "t4", "content": "Expenses", "due": {"date": str(date + timedelta(days=4))}},
    ]


def _sync(conn: object, day: int, now: datetime, done: set[str]) -> None:
    from oo.connectors import base, sync, todoist
    from oo.store.db import transaction

    tasks = [t for t in _tasks(day) if t["id"] not in done]
    pull = todoist.build(tasks, [], now)
    events = []
    if (START + timedelta(days=day)).weekday() < 5:
        for i, (h1, m1, h2, m2) in enumerate(MEETINGS):
            base_day = START + timedelta(days=day)
            start = base_day.replace(hour=h1, minute=m1)
            end = base_day.replace(hour=h2, minute=m2)
            events.append(
                base.Item(
                    item_id=f"e{day}-{i}",
                    kind="event",
                    start=start.isoformat().replace("+00:00", "Z"),
                    end=end.isoformat().replace("+00:00", "Z"),
                )
            )
    with transaction(conn):  # type: ignore[arg-type]
        sync.write(conn, "todoist", pull, now=now)  # type: ignore[arg-type]
        sync.write(conn, "calendar", base.Pull(items=events), now=now)  # type: ignore[arg-type]


def _tied(row: Any, now: datetime, library_by_id: Mapping[str, object]) -> bool:
    from oo.engine import candidates, parts

    source = row["source"]
    if source in ("moment", "habit", "todoist"):
        return True
    tip = library_by_id.get(row["library_id"])
    if tip is None:
        return False
    part = parts.part_of_day(now)
    if "mealtime" in tip.tags:  # type: ignore[attr-defined]
        return candidates._mealtime(now)
    if "before-meeting" in tip.tags:  # type: ignore[attr-defined]
        return True  # offered only with an event within 30 minutes
    return part in tip.when  # type: ignore[attr-defined]


def week(home: str) -> dict[str, float]:
    os.environ["OO_HOME"] = home
    os.environ["TZ"] = "UTC"
    import time

    time.tzset()
    from oo.engine import library, recommender
    from oo.store import signals
    from oo.store.db import open_store

    rng = random.Random(12)
    conn = open_store()
    for name in ("stretch", "read 20 pages"):
        signals.add_habit(conn, name, "day", now=START)
    library_by_id = {t.id: t for t in library.load()}
    shown: list[tuple[datetime, Any]] = []
    done_tasks: set[str] = set()

    def react_to(row: Any, now: datetime) -> Any:
        reaction = rng.choices([m for m, _ in MIX], [w for _, w in MIX])[0]
        if reaction == "none":
            return None
        if reaction == "done" and row["source"] == "todoist":
            done_tasks.add(str(row["id"]))
        until = now + timedelta(hours=rng.choice((1, 2, 3))) if reaction == "later" else None
        _, following = recommender.react(
            conn,
            row["id"],
            reaction,
            now=now,
            later_until=until,
        )
        return following

    for day in range(7):
        for clock in MOMENTS:
            hour, minute = (int(x) for x in clock.split(":"))
            now = START + timedelta(days=day, hours=hour, minutes=minute)
            if clock == MOMENTS[0]:
                _sync(conn, day, now, done_tasks)
            if clock == "19:00" and day % 3 == 1:
                signals.record_mood(conn, 2, None, now=now)
            row = recommender.recommend(conn, now)
            for _ in range(2):
                if row is None:
                    break
                if row["shown_at"] is None:
                    recommender.mark_shown(conn, row["id"], now)
                    shown.append((now, row))
                row = react_to(row, now)
                now += timedelta(minutes=1)
    conn.close()
    texts = Counter(str(r["text"]) for _, r in shown)
    categories = Counter(str(r["category"]) for _, r in shown)
    sources = Counter(str(r["source"]) for _, r in shown)
    tied = sum(_tied(r, when, library_by_id) for when, r in shown)
    strict = sum(r["source"] in ("moment", "habit", "todoist") for _, r in shown)
    total = len(shown)
    print(f"  {total} tips shown over the week; by source: {dict(sources)}")
    print(f"  by category: {dict(categories.most_common())}")
    return {
        "tied": tied / total,
        "strict": strict / total,
        "distinct": len(texts) / total,
        "largest": max(categories.values()) / total,
        "largest_name": categories.most_common(1)[0][0],  # type: ignore[dict-item]
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        figures = week(home)
        last = (START + timedelta(days=7, hours=9, minutes=30)).isoformat()
        env = {"OO_HOME": home, "OO_NOW": last, "TZ": "UTC"}
        medians({"warm": [OO, "tip"]}, 1, env)  # a tip chosen for this moment
        cold = medians(
            {"python -c pass": [sys.executable, "-c", "pass"], "oo tip": [OO, "tip"]}, RUNS, env
        )
    ratio = cold["oo tip"] / cold["python -c pass"]
    rows = [
        ("tied to the moment", f"{figures['tied']:6.1%}  (goal >= 60 %)"),
        ("  of which composed, todo or nudge", f"{figures['strict']:6.1%}"),
        ("distinct texts per tip shown", f"{figures['distinct']:6.1%}  (goal >= 80 %)"),
        (
            "largest category share",
            f"{figures['largest']:6.1%}  ({figures['largest_name']}; goal <= 40 %)",
        ),
        ("oo tip cold / python -c pass", f"{ratio:6.2f}x  (goal <= 5x, aim 2x)"),
    ]
    report(f"a persona's week (oo tip: median of {RUNS} cold runs)", rows)


if __name__ == "__main__":
    main()
