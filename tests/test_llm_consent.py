"""The LLM consent texts are built from the prompt's own fields, and the withdraw command
they print works."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oo.llm import consent as llm_consent
from oo.llm import context
from oo.privacy import consent
from oo.store import signals

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def seed_everything(conn: sqlite3.Connection) -> None:
    signals.record_mood(conn, 2, "a long day", now=NOW)
    signals.add_habit(conn, "Stretch", "day", now=NOW)
    conn.execute(
        "INSERT INTO items (source, item_id, kind, due, priority, start, end, updated_at)"
        " VALUES ('todoist', 't1', 'task', '2025-03-01', 4, NULL, NULL, '2025-03-01'),"
        " ('calendar', 'e1', 'event', NULL, NULL, '2025-03-04T15:30:00+00:00',"
        "  '2025-03-04T16:00:00+00:00', '2025-03-01')"
    )


@pytest.mark.parametrize(("subject", "mode"), [("llm:redacted", "redacted"), ("llm:full", "full")])
def test_each_text_lists_exactly_what_a_prompt_in_its_mode_carries(
    conn: sqlite3.Connection, subject: str, mode: str
) -> None:
    seed_everything(conn)
    text = consent.text_for(subject).render()
    listed = set(re.findall(r"\b((?:now|mood|habit|tasks|calendar|reactions)\.\w+) \(", text))
    sent = set(context.build(conn, NOW, mode=mode).fields())
    assert sent <= listed  # nothing is sent that the text does not name
    assert listed == set(context.fields_for(mode)) - {"model"}  # and nothing is promised more
    if mode == "redacted":
        assert "mood.note" not in listed and "habit.name" not in listed
        assert "No text you wrote" in text
    assert "title" not in text.replace("no task or event titles", "").replace("no titles", "")


def test_the_withdraw_command_the_text_prints_works(oo_home: Path, oo: Any) -> None:
    agreed = oo("llm", "consent", "--full", "--yes")
    assert agreed.returncode == 0, agreed.stderr
    printed = re.findall(r"`oo consent withdraw ([^`]+)`", agreed.stderr + agreed.stdout)
    assert printed and set(printed) == {"llm:full"}
    withdrawn = oo("consent", "withdraw", printed[0])
    assert withdrawn.returncode == 0, withdrawn.stderr
    shown = oo("consent", "show", "llm:full")
    assert shown.returncode == 0 and "Your answer: withdrawn" in shown.stdout


def test_the_texts_come_from_the_llm_provider_not_from_privacy() -> None:
    assert llm_consent.TEXTS.text("llm:full") is consent.text_for("llm:full")
    assert consent.text_for("llm:redacted").version == llm_consent.VERSION
