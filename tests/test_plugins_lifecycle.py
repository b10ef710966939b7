"""A third-party connector from its own distribution (tests/fixtures/oo_habitlog), installed
at test time, goes through oO's whole lifecycle with the real keyring: connect, sync, status,
privacy, consent show, disconnect, forget --source. Nothing in oO names it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_oo
from tests.connectors_support import FIXTURES, real_keyring  # noqa: F401

pytestmark = pytest.mark.desktop

PLUGIN = FIXTURES / "oo_habitlog"
NOW = "2025-03-10T09:00:00+00:00"
Oo = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fixture package, pip-installed into a private target folder (not into .venv)."""
    target = tmp_path_factory.mktemp("plugin-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert list(target.glob("oo_habitlog-*.dist-info"))
    return str(target)


def _keyring() -> str:
    found = subprocess.run(
        ["secret-tool", "search", "--all", "service", "oo"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout + found.stderr


def _export(folder: Path) -> Path:
    path = folder / "habits.json"
    path.write_text(
        json.dumps(
            {
                "habits": [
                    {"id": "h1", "name": "CANARY-HABIT stretch", "due": "2025-03-09"},
                    {"id": "h2", "name": "Read", "due": "2025-03-11"},
                ]
            }
        )
    )
    return path


def test_a_plugin_connector_goes_through_the_whole_lifecycle(
    oo_home: Path,
    tmp_path: Path,
    real_keyring: None,  # noqa: F811
    plugin_path: str,
) -> None:
    env = {"PYTHONPATH": plugin_path, "OO_NOW": NOW, "TZ": "UTC"}

    def oo(*args: str) -> subprocess.CompletedProcess[str]:
        return run_oo(*args, env=env)

    shown = oo("consent", "show", "habitlog")
    assert shown.returncode == 0, shown.stderr
    assert "oO will read: the habits in your habit app's export file." in shown.stdout
    assert "Your answer: not asked yet." in shown.stdout

    export = _export(tmp_path)
    connected = oo("connect", "habitlog", "--yes", str(export))
    assert connected.returncode == 0, connected.stderr
    assert connected.stdout.startswith("Connected habitlog (habits.json): 2 items, 1 todo tips")
    assert "habitlog:habits.json" in _keyring()  # the secret went to the real keyring

    synced = oo("sync", "habitlog", "--json")
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["results"][0]["items"] == 2

    status = json.loads(oo("status", "--json").stdout)
    (source,) = status["sources"]
    assert source["name"] == "habitlog" and source["state"] == "ok"
    assert source["freshness_target_s"] == 45 * 60  # the plugin's own freshness target
    assert "habitlog (habits.json): ok" in oo("status").stdout

    page = json.loads(oo("privacy", "--json").stdout)
    entry = next(s for s in page["sources"] if s["name"] == "habitlog")
    assert entry["connected"] and entry["consent"]["current"]
    assert entry["description"].startswith("Its file path is in your OS keyring.")
    assert "Its file path is in your OS keyring." in oo("privacy").stdout
    assert "Your answer: given" in oo("consent", "show", "habitlog").stdout

    gone = oo("disconnect", "habitlog")
    assert gone.returncode == 0, gone.stderr
    assert gone.stdout.startswith("Disconnected habitlog: credential revoked")
    assert "habitlog:" not in _keyring()
    assert json.loads(oo("status", "--json").stdout)["sources"] == []

    forgot = oo("forget", "--source", "habitlog", "--yes")
    assert forgot.returncode == 0, forgot.stderr
    owned = b"".join(p.read_bytes() for p in oo_home.rglob("*") if p.is_file())
    assert b"CANARY-HABIT" not in owned
    assert b"habits.json" not in owned  # the events naming the source's account are gone too


def test_a_plugin_that_lacks_part_of_the_contract_is_named_in_one_line(
    oo_home: Path, plugin_path: str
) -> None:
    env = {"PYTHONPATH": plugin_path, "OO_NOW": NOW, "TZ": "UTC"}
    result = run_oo("connect", "halfdone", "--yes", env=env)
    assert result.returncode == 1
    assert result.stderr == (
        "oo: the halfdone connector lacks connect_flow, consent, privacy, connect"
        " (see docs/connectors.md, Writing a connector)\n"
    )
    page = run_oo("privacy", "--json", env=env)  # the other sources are still listed
    assert page.returncode == 0, page.stderr
    names = [s["name"] for s in json.loads(page.stdout)["sources"]]
    assert names == ["caldav", "calendar", "habitlog", "todoist"]


def test_without_the_plugin_installed_oo_does_not_know_the_source(oo: Oo) -> None:
    result = oo("connect", "habitlog", "--yes", "/nowhere.json")
    assert result.returncode == 2
    assert result.stderr.startswith("oo: no source named 'habitlog'; known sources: caldav,")
    assert "Traceback" not in result.stderr


def test_every_built_in_connector_brings_the_whole_contract() -> None:
    from oo.connectors import base
    from oo.privacy import consent

    assert base.names() == ["caldav", "calendar", "todoist"]
    for connector in base.installed():
        assert isinstance(connector, base.Connector)
        assert consent.text_for(connector.name) is connector.consent
        assert connector.privacy and connector.connect_flow.summary
    assert {"caldav", "calendar", "todoist", "llm:full", "llm:redacted"} <= set(consent.subjects())
