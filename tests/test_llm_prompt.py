"""The prompt a 1.5B model can follow: the moment in plain words, examples in the house
style, the language, the limit, three tips each tied to one signal, a low temperature."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from oo import config
from oo.engine import library
from oo.llm import context, generate
from oo.store import signals
from tests.servers.llm import LLMServer

NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)


def test_a_daily_habit_done_today_reads_as_done(conn: sqlite3.Connection) -> None:
    signals.add_habit(conn, "Stretch", "day", now=NOW)
    signals.add_habit(conn, "Read", "day", now=NOW)
    signals.check_in(conn, "Stretch", now=NOW)
    ctx = context.build(conn, NOW, mode="full")
    moment = "\n".join(ctx.moment())
    assert "a daily habit, done today, done 1 times this week." in moment
    assert "a daily habit, due today, done 0 times this week." in moment
    user = ctx.messages()[1]["content"]
    assert user.startswith("The moment:\nIt is Tue ")
    assert "Stretch" not in moment  # names stay inside the data block
    assert user.index(context.OPEN) < user.index("Stretch") < user.index(context.CLOSE)


def test_the_instructions_give_examples_language_limit_and_three_signals() -> None:
    system = context.system_prompt("de")
    assert "Write in German." in system
    assert "at most 100 characters" in system
    assert "Write exactly 3 tips" in system
    assert '"signal": "s1"' in system
    shown = [line[2:] for line in system.splitlines() if line.startswith("- ")]
    house = {t.text for t in library.load()}
    examples = [line for line in shown if line in house]
    assert 3 <= len(examples) <= 5


def test_the_request_asks_for_json_at_a_low_temperature(conn: sqlite3.Connection) -> None:
    with LLMServer("good") as server:
        config.set_value("llm.tip-generator", "ollama_chat/qwen2.5:1.5b")
        config.set_value("llm.api-base", server.base_url)
        config.set_value("llm.language", "fr")
        generate.run()
        (chat,) = [r for r in server.received if r.path == "/api/chat"]
    body = json.loads(chat.body)
    assert body["options"]["temperature"] <= 0.3
    assert "Write in French." in body["messages"][0]["content"]
