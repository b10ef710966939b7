"""Provider text is terminal-safe: one sanitizer strips escapes, controls, bidi overrides and
zero-width tricks, keeps emoji sequences and right-to-left text; and the OAuth callback page
tells the truth about the state check."""

from __future__ import annotations

import sqlite3
import unicodedata
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oo.connectors import oauth, todoist
from oo.text import sanitize
from tests.conftest import run_oo
from tests.connectors_support import real_keyring, todoist_server, utc  # noqa: F401
from tests.servers.todoist import TodoistServer, due, task

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[31mevil\u202e\u2066moc.\u200bexample\x9b0m@x.org\r\nfake"
BIDI_AND_INVISIBLE = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067"}
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want", with a ZWNJ
BIDI_AND_INVISIBLE |= {"\u2068", "\u2069", "\u200b", "\u2060", "\ufeff"}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x1b[2Jb", "ab"),  # clear screen
        ("\x1b]0;pwned\x07title", "title"),  # set the terminal title
        ("\x9b31mred\x1b[0m", "red"),  # 8-bit CSI
        ("pay\u202egnp.exe", "paygnp.exe"),  # right-to-left override
        ("x\u200by\u2060z\ufeff", "xyz"),  # zero-width space, word joiner, BOM
        ("line one\nline two\ttab", "line one line two tab"),
        ("👩\u200d💻 ship it", "👩\u200d💻 ship it"),  # emoji ZWJ sequence kept
        ("🏳️\u200d🌈 and 👨\u200d👩\u200d👧", "🏳️\u200d🌈 and 👨\u200d👩\u200d👧"),
        ("a\u200db", "ab"),  # a joiner between letters is a trick
        ("שלום עולם \u200fמה", "שלום עולם \u200fמה"),  # RTL text and its mark kept
        (PERSIAN, PERSIAN),  # the zero-width non-joiner between Persian letters kept
        ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", None),  # England
        ("hidden\U000e0041\U000e0042tags", "hiddentags"),
    ],
)
def test_the_sanitizer_removes_tricks_and_keeps_what_people_write(
    raw: str, clean: str | None
) -> None:
    assert sanitize(raw) == (raw if clean is None else clean)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_no_control_or_override_survives_any_text(raw: str) -> None:
    clean = sanitize(raw)
    assert "\x1b" not in clean and "\n" not in clean
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in clean)
    assert not set(clean) & BIDI_AND_INVISIBLE
    assert sanitize(clean) == clean  # a second pass changes nothing


def test_todo_tips_keep_emoji_sequences_and_rtl_text(utc: None) -> None:
    tasks = [
        task(1, content="Call mom 👩\u200d👧 \x1b[2J", due=due("2025-03-10")),
        task(2, content="להתקשר לאמא \u200f", due=due("2025-03-10")),
    ]
    texts = [c.text for c in todoist.build(tasks, [], NOW).candidates]
    assert "Finish “Call mom 👩\u200d👧”: it is due today." in texts
    assert "Finish “להתקשר לאמא \u200f”: it is due today." in texts


@pytest.mark.desktop
def test_a_hostile_account_name_never_reaches_the_terminal_raw(
    tmp_path: Path, real_keyring: None, todoist_server: TodoistServer
) -> None:
    todoist_server.state.user["email"] = HOSTILE
    todoist_server.state.personal("CANARYpersonaltoken0123456789")
    todoist_server.state.tasks = [task(1)]
    env = {
        **todoist_server.env(),
        "OO_HOME": str(tmp_path / "home"),
        "OO_NOW": "2025-03-10T09:00:00+00:00",
        "TZ": "UTC",
    }
    connected = run_oo(
        "connect",
        "todoist",
        "--yes",
        "--token-stdin",
        input="CANARYpersonaltoken0123456789\n",
        env=env,
    )
    assert connected.returncode == 0, connected.stderr
    status = run_oo("status", env=env)
    for shown in (connected.stdout, connected.stderr, status.stdout):
        assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
        assert not set(shown) & BIDI_AND_INVISIBLE
    assert "todoist (evilmoc.example@x.org fake): ok" in status.stdout
    assert run_oo("disconnect", "todoist", env=env).returncode == 0


def _visit(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("code=abc&state=forged", 400, "does not match the sign-in oO started"),
        ("code=abc", 400, "does not match the sign-in oO started"),
        ("error=access_denied&state=right", 400, "the authorization was refused"),
        ("code=abc&state=right", 200, "oO received the authorization"),
    ],
)
def test_the_callback_page_tells_the_truth_about_the_state_check(
    query: str, status: int, words: str
) -> None:
    with oauth.Listener(0) as listener:
        listener.expect("right")
        code, page = _visit(f"{listener.redirect_uri}?{query}")
    assert code == status and words in page
    assert "oO is connected" not in page


def test_a_stored_tip_is_printed_through_the_sanitizer(
    conn: sqlite3.Connection, oo_home: Path
) -> None:
    with conn:
        conn.execute(
            "INSERT INTO tips (id, text, kind, category, source, source_ref, decided_at,"
            " expires_at, policy, propensity) VALUES ('t1', ?, 'todo', 'tasks', 'todoist',"
            " '1', '2025-03-10T08:00:00.000000Z', '2025-03-11T00:00:00.000000Z', 'rules', 1.0)",
            ("Finish “👩\u200d💻 ship\x1b]0;pwned\x07\u202e”: it is due today.",),
        )
    shown = run_oo("tip", env={"OO_NOW": "2025-03-10T09:00:00+00:00", "TZ": "UTC"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "Finish “👩\u200d💻 ship”: it is due today.\n"
