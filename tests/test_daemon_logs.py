"""What the real daemon (`oo daemon run` in a subprocess) writes to its log, and how it starts
with a broken config.toml or no D-Bus session: ids and counts only, one line per problem,
no traceback, never a tip's text or a provider's content.

Real parts: the `oo` command, the SQLite file, the Secret Service keyring (scripts/test) and
the loopback Todoist server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import run_oo
from tests.daemon_support import Daemons, db, seed_that_sends, wait_for
from tests.servers.todoist import TodoistServer, task

pytestmark = pytest.mark.desktop

NOW = "2025-03-05T12:00:00+00:00"  # a Wednesday noon: a decision point has come
TOKEN = "logstoken0123456789abcdef0123456789"
JOBS = ("sync", "deliver", "settle", "refresh")


def _a_due_tip() -> str:
    out = run_oo("tip", "--json", env={"OO_NOW": NOW, "TZ": "UTC"})
    assert out.returncode == 0, out.stderr
    return str(json.loads(out.stdout)["text"])


def _ran_all(daemons: Daemons, proc: object) -> bool:
    return all(daemons.ran(proc, job) for job in JOBS)  # type: ignore[arg-type]


def test_no_dbus_session_is_one_log_line_and_the_tip_text_stays_out(
    oo_home: Path, daemons: Daemons, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _a_due_tip()
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    proc = daemons.start(OO_NOW=NOW, OO_DAEMON_SEED=str(seed_that_sends()), OO_DEBUG="1")
    wait_for(lambda: _ran_all(daemons, proc), timeout=60, what="the first round of jobs")
    with db(oo_home) as conn:  # it did try to notify: the decision was "send"
        sent = conn.execute("SELECT send, shown FROM deliveries").fetchall()
    assert [tuple(r) for r in sent] == [(1, 0)]
    assert daemons.status()["notifications"]["available"] is False
    log = daemons.log()
    about = [line for line in log.splitlines() if "notification" in line.lower()]
    unavailable = [line for line in about if "notifications unavailable" in line]
    assert len(unavailable) == 1, log
    assert "Traceback" not in log
    assert text not in log


def test_a_config_that_is_not_utf8_is_one_line_and_the_daemon_still_runs(
    oo_home: Path, daemons: Daemons
) -> None:
    _a_due_tip()
    (oo_home / "config.toml").write_bytes(b'[notify]\nquiet_hours = "22:00\xff-08:00"\n')
    proc = daemons.start(OO_NOW=NOW, OO_DAEMON_SEED=str(seed_that_sends()))
    wait_for(lambda: _ran_all(daemons, proc), timeout=60, what="the first round of jobs")
    assert proc.poll() is None
    log = daemons.log()
    # The daemon's own lines (a child, such as the LLM generator, reports for itself).
    said = [line for line in log.splitlines() if "config.toml" in line and " oo.daemon: " in line]
    assert len(said) == 1, log
    assert "is not UTF-8 text" in said[0] and "no notifications until it is fixed" in said[0]
    assert "Traceback" not in log
    with db(oo_home) as conn:  # a config it cannot read may hold quiet hours: no notification
        assert conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0


def test_the_log_holds_ids_and_counts_never_provider_content(
    oo_home: Path,
    real_keyring: None,
    todoist_server: TodoistServer,
    daemons: Daemons,
) -> None:
    server = todoist_server.state
    secret_words = "Call the notary about the inheritance"
    server.tasks = [task(i, content=f"{secret_words} {i}", priority=4) for i in range(5)]
    server.personal(TOKEN)
    connected = run_oo(
        "connect",
        "todoist",
        "--yes",
        "--token-stdin",
        input=TOKEN + "\n",
        env={"OO_NOW": "2025-03-05T10:00:00+00:00"},
    )
    assert connected.returncode == 0, connected.stderr
    proc = daemons.start(OO_NOW=NOW, OO_DAEMON_SEED=str(seed_that_sends()), OO_DEBUG="1")
    wait_for(lambda: _ran_all(daemons, proc), timeout=90, what="the first round of jobs")
    with db(oo_home) as conn:
        tips = [r[0] for r in conn.execute("SELECT text FROM tips")]
        decided = conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    assert tips and decided == 1
    log = daemons.log()
    assert "decision" in log  # it does log what it decided, by id
    for text in [*tips, secret_words, "person@example.com", TOKEN]:
        assert text not in log, text


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="the daemon's subprocess tests run on Linux")
