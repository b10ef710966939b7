"""The event log and its protobuf contracts."""

from __future__ import annotations

import filecmp
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oo.events.v1 import signals_pb2
from oo.store import events
from oo.store.db import transaction

ROOT = Path(__file__).resolve().parent.parent


def test_append_and_read_back_in_order(conn: sqlite3.Connection) -> None:
    t0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    with transaction(conn):
        first = events.append(conn, signals_pb2.MoodRecorded(score=4, note="ok"), now=t0)
        second = events.append(
            conn,
            signals_pb2.HabitAdded(habit_id="h1", name="read", every="day"),
            now=t0 + timedelta(seconds=1),
        )
    got = list(events.read(conn))
    assert [e.id for e in got] == [first, second]
    assert got[0].type == "mood_recorded" and got[0].time == t0 and got[0].source == "oo"
    assert got[0].body().score == 4
    assert got[1].to_dict()["body"] == {"habit_id": "h1", "name": "read", "every": "day"}
    assert [e.id for e in events.read(conn, type="habit_added")] == [second]


def test_event_ids_sort_by_time(conn: sqlite3.Connection) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(conn):
        ids = [
            events.append(
                conn, signals_pb2.HabitCheckedIn(habit_id="h"), now=base + timedelta(minutes=i)
            )
            for i in range(5)
        ]
    assert ids == sorted(ids)


def test_generated_code_matches_proto(tmp_path: Path) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts/gen-proto"), str(tmp_path)],
        check=True,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )
    generated = tmp_path / "oo/events/v1"
    committed = ROOT / "src/oo/events/v1"
    names = sorted(p.name for p in generated.iterdir())
    assert names == sorted(p.name for p in committed.iterdir() if p.suffix in {".py", ".pyi"})
    mismatch = [n for n in names if not filecmp.cmp(generated / n, committed / n, shallow=False)]
    assert mismatch == [], f"run scripts/gen-proto: {mismatch} differ from proto/"
