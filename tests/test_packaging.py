"""The service files `oo daemon install` writes: a systemd user unit that systemd itself
verifies, a LaunchAgent plist naming the right program, a well-formed Windows task."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from oo.daemon import install
from tests.conftest import OO, RunOo

TASK_NS = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


@pytest.fixture
def oo_path() -> Path:
    return Path(OO).absolute()


def test_systemd_user_unit_verifies_cleanly(tmp_path: Path, oo_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    env = {"OO_HOME": str(tmp_path / "data with space"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    plan = install.plan("Linux", env=env, user_home=tmp_path, oo=oo_path)
    assert install.install(plan, enable=False) is False
    unit = tmp_path / "c" / "systemd" / "user" / install.UNIT
    text = unit.read_text()
    assert f"ExecStart={oo_path} daemon run" in text
    assert f'Environment="OO_HOME={tmp_path / "data with space"}"' in text
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    verify = subprocess.run(
        ["systemd-analyze", "--user", "verify", str(unit)],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime), "XDG_CONFIG_HOME": str(tmp_path / "c")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr == ""
    desktop = (tmp_path / ".local" / "share" / "applications" / "oo.desktop").read_text()
    assert f"Exec={oo_path} watch" in desktop
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(tmp_path / ".local/share/applications/oo.desktop")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout


def test_launch_agent_plist_parses_and_names_oo(tmp_path: Path, oo_path: Path) -> None:
    plan = install.plan("Darwin", env={"OO_HOME": "/Users/a/o&o"}, user_home=tmp_path, oo=oo_path)
    [(path, content)] = plan.files.items()
    assert path == tmp_path / "Library" / "LaunchAgents" / "io.oo.daemon.plist"
    agent = plistlib.loads(content)
    assert agent["Label"] == "io.oo.daemon"
    assert agent["ProgramArguments"] == [str(oo_path), "daemon", "run"]
    assert agent["EnvironmentVariables"] == {"OO_HOME": "/Users/a/o&o"}
    assert agent["RunAtLoad"] is True
    assert plan.enable[0][:2] == ["launchctl", "bootstrap"]


def test_windows_task_is_well_formed(tmp_path: Path) -> None:
    exe = Path("C:/Users/Ann & Bo/pipx/venvs/oo/Scripts/oo.exe")
    plan = install.plan(
        "Windows",
        env={"USERNAME": "ann", "USERDOMAIN": "HOME", "LOCALAPPDATA": str(tmp_path)},
        user_home=tmp_path,
        oo=exe,
    )
    [(path, content)] = plan.files.items()
    assert path == tmp_path / "oo" / "oo-daemon.xml"
    root = ET.fromstring(content)  # declared UTF-16, written as UTF-16
    assert root.tag == f"{TASK_NS}Task"
    assert root.findtext(f"{TASK_NS}Actions/{TASK_NS}Exec/{TASK_NS}Command") == str(exe)
    assert root.findtext(f"{TASK_NS}Actions/{TASK_NS}Exec/{TASK_NS}Arguments") == "daemon run"
    assert root.findtext(f"{TASK_NS}Triggers/{TASK_NS}LogonTrigger/{TASK_NS}UserId") == "HOME\\ann"
    assert plan.enable == [["schtasks", "/Create", "/F", "/TN", r"\oO\daemon", "/XML", str(path)]]


def test_install_and_uninstall_through_oo(tmp_path: Path, oo: RunOo, oo_home: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": str(tmp_path / "d"),
        "PATH": str(Path(OO).parent),
    }
    result = oo("daemon", "install", "--no-start", env=env)
    assert result.returncode == 0, result.stderr
    unit = tmp_path / "c" / "systemd" / "user" / "oo-daemon.service"
    assert f"wrote {unit}" in result.stdout
    assert unit.exists()
    result = oo("daemon", "uninstall", env=env)
    assert result.returncode == 0, result.stderr
    assert f"removed {unit}" in result.stdout
    assert not unit.exists()
