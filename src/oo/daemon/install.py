"""`oo daemon install | uninstall`: start the daemon at login as a per-user service.

Linux: a systemd user unit (plus a desktop entry for `oo watch`); macOS: a LaunchAgent;
Windows: a Task Scheduler task that runs at this user's logon. The templates live in
`packaging/` and are filled in with the absolute path of the installed `oo`.
"""

from __future__ import annotations

import getpass
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from oo.errors import OOError

UNIT = "oo-daemon.service"
AGENT = "io.oo.daemon"
TASK = r"\oO\daemon"

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def templates_dir() -> Path:
    """`oo/_packaging` in an installed wheel, `packaging/` in a source checkout."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[1] / "_packaging", here.parents[3] / "packaging"):
        if candidate.is_dir():
            return candidate
    raise OOError("this oO was installed without its service templates (packaging/)")


def oo_executable() -> Path:
    """The absolute path of the `oo` command that runs now."""
    names = ("oo.exe", "oo") if sys.platform == "win32" else ("oo",)
    scripts = Path(sys.executable).parent
    for name in names:
        if (scripts / name).is_file():
            return (scripts / name).absolute()
    found = shutil.which("oo")
    if found:
        return Path(found).absolute()
    argv0 = Path(sys.argv[0])
    if argv0.name in names and argv0.is_file():
        return argv0.absolute()
    raise OOError("cannot find the `oo` command; install oO with pipx or pip first")


@dataclass
class Plan:
    """Files to write (path -> bytes) and commands that enable the service."""

    system: str
    files: dict[Path, bytes] = field(default_factory=dict)
    enable: list[list[str]] = field(default_factory=list)
    disable: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _fill(text: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _systemd_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plan(
    system: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    user_home: Path | None = None,
    oo: Path | None = None,
) -> Plan:
    """What `install` would write and run on `system` ("Linux", "Darwin", "Windows")."""
    system = system or platform.system()
    env = os.environ if env is None else env
    user_home = user_home or Path.home()
    oo = oo or oo_executable()
    keep = {k: env[k] for k in ("OO_HOME",) if env.get(k)}
    tpl = templates_dir()
    result = Plan(system)
    if system == "Linux":
        config = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
        data = Path(env.get("XDG_DATA_HOME") or user_home / ".local" / "share")
        environment = "".join(
            f"Environment={_systemd_quote(f'{k}={v}')}\n" for k, v in keep.items()
        )
        unit = _fill(
            (tpl / "linux" / UNIT).read_text(), {"OO": str(oo), "ENVIRONMENT": environment}
        )
        desktop = _fill((tpl / "linux" / "oo.desktop").read_text(), {"OO": str(oo)})
        result.files[config / "systemd" / "user" / UNIT] = unit.encode()
        result.files[data / "applications" / "oo.desktop"] = desktop.encode()
        result.enable = [
            ["systemctl", "--user", "daemon-reload"],
            ["systemctl", "--user", "enable", "--now", UNIT],
        ]
        result.disable = [["systemctl", "--user", "disable", "--now", UNIT]]
    elif system == "Darwin":
        variables = "".join(
            f"\n    <key>{escape(k)}</key>\n    <string>{escape(v)}</string>"
            for k, v in keep.items()
        )
        log = user_home / "Library" / "Logs" / "oo-daemon.log"
        agent = _fill(
            (tpl / "macos" / f"{AGENT}.plist").read_text(),
            {
                "OO": escape(str(oo)),
                "ENVIRONMENT": variables + ("\n  " if variables else ""),
                "LOG": escape(str(log)),
            },
        )
        path = user_home / "Library" / "LaunchAgents" / f"{AGENT}.plist"
        result.files[path] = agent.encode()
        uid = str(os.getuid()) if hasattr(os, "getuid") else "501"
        result.enable = [["launchctl", "bootstrap", f"gui/{uid}", str(path)]]
        result.disable = [["launchctl", "bootout", f"gui/{uid}/{AGENT}"]]
    elif system == "Windows":
        local = Path(env.get("LOCALAPPDATA") or user_home / "AppData" / "Local")
        user = env.get("USERNAME") or getpass.getuser()
        domain = env.get("USERDOMAIN")
        task = _fill(
            (tpl / "windows" / "oo-daemon.xml").read_text(),
            {"OO": escape(str(oo)), "USER": escape(f"{domain}\\{user}" if domain else user)},
        )
        path = local / "oo" / "oo-daemon.xml"
        result.files[path] = task.encode("utf-16")
        result.enable = [["schtasks", "/Create", "/F", "/TN", TASK, "/XML", str(path)]]
        result.disable = [["schtasks", "/Delete", "/F", "/TN", TASK]]
        if keep:
            result.notes.append("OO_HOME is not passed to the task; set it for your user instead")
    else:
        raise OOError(f"`oo daemon install` does not know {system}; run `oo daemon run` yourself")
    return result


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30)


def _apply(commands: list[list[str]], run: Runner, notes: list[str]) -> bool:
    for cmd in commands:
        if shutil.which(cmd[0]) is None:
            notes.append(f"{cmd[0]} is not available here; run later: {' '.join(cmd)}")
            return False
        done = run(cmd)
        if done.returncode != 0:
            why = (done.stderr or done.stdout).strip().splitlines()
            notes.append(f"`{' '.join(cmd)}` failed: {why[-1] if why else done.returncode}")
            return False
    return True


def install(the_plan: Plan, *, enable: bool = True, run: Runner = _run) -> bool:
    """Write the files; enable and start the service. True when the service was enabled."""
    for path, content in the_plan.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return enable and _apply(the_plan.enable, run, the_plan.notes)


def uninstall(the_plan: Plan, *, run: Runner = _run) -> list[Path]:
    """Stop and disable the service, then remove its files; returns the files removed."""
    _apply(the_plan.disable, run, the_plan.notes)
    removed = []
    for path in the_plan.files:
        if path.exists():
            path.unlink()
            removed.append(path)
    if the_plan.system == "Linux" and shutil.which("systemctl"):
        run(["systemctl", "--user", "daemon-reload"])
    return removed
