"""The one table of reactions (oo.engine.tips.TABLE) and every place that must agree with it."""

from __future__ import annotations

import re
import sqlite3

from oo.cli import fast
from oo.daemon import notify
from oo.engine import current, rewards
from oo.engine.tips import BY_STATUS, REACTIONS, TABLE
from oo.events.v1 import tips_pb2
from oo.llm import context as llm_context
from oo.tui import app


def test_the_database_check_constraint_lists_every_stored_status(
    conn: sqlite3.Connection,
) -> None:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'tips'").fetchone()[0]
    match = re.search(r"status IN\s*\(([^)]*)\)", sql)
    assert match is not None
    allowed = set(re.findall(r"'([a-z]+)'", match.group(1)))
    assert allowed == {"current", current.STANDBY} | {r.status for r in TABLE}


def test_the_proto_enum_has_one_value_per_reaction() -> None:
    names = set(tips_pb2.Reaction.keys()) - {"REACTION_UNSPECIFIED"}
    assert names == {r.event for r in TABLE}


def test_every_reaction_teaches_the_policy_a_reward() -> None:
    assert {r.status: r.reward for r in TABLE} == rewards.REWARDS
    for r in TABLE:
        assert 0.0 <= r.reward <= 1.0
        assert rewards.reward(r.status) == r.reward
    ranked = [BY_STATUS[s].reward for s in ("done", "useful", "later", "ignored", "dismissed")]
    assert ranked == sorted(ranked, reverse=True)


def test_the_watch_face_has_a_key_for_every_reaction_a_person_types() -> None:
    keys = {**app.REACTION_KEYS, app.LATER_KEY: "later"}
    assert keys == {r.key: r.name for r in TABLE if r.key is not None}
    assert set(keys.values()) == set(REACTIONS)
    for key, name in keys.items():
        assert f"{key} {name}" in app.HINTS


def test_notification_buttons_come_from_the_table() -> None:
    assert tuple((r.button, r.name) for r in TABLE if r.button is not None) == notify.BUTTONS
    assert {name for _, name in notify.BUTTONS} <= set(REACTIONS)
    assert [title for title, _ in notify.BUTTONS] == ["Done", "Later", "Dismiss"]


def test_the_llm_context_counts_every_stored_reaction() -> None:
    assert set(llm_context._REACTION_NAMES) == {r.status for r in TABLE}


def test_every_typed_reaction_takes_the_fast_path() -> None:
    for name in REACTIONS:
        parsed = fast.plain_reaction([name])
        assert parsed is not None and parsed["reaction"] == name
    assert fast.plain_reaction(["ignored"]) is None  # what no reaction becomes, not a command
