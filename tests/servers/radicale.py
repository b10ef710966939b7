"""A real CalDAV server for tests: Radicale (from the dev lock file) on loopback, with
htpasswd auth and its collections in a temporary folder. Tests seed it with the caldav library
as another CalDAV client would."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

USER = "alice"
PASSWORD = "CANARY-app-password-4f9d"
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RadicaleServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: BinaryIO | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, user: str = USER) -> str:
        """The address a person gives `oo connect caldav`: the server with their user name."""
        return f"http://{user}@127.0.0.1:{self.port}/"

    def __enter__(self) -> RadicaleServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        users = self.folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        config = self.folder / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[rights]\n"
            "type = owner_only\n"
            "[storage]\n"
            f"filesystem_folder = {self.folder / 'collections'}\n"
            "[logging]\n"
            "level = warning\n"
        )
        self.log = (self.folder / "radicale.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"radicale exited: {(self.folder / 'radicale.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("radicale did not start listening in time")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()

    def set_password(self, password: str) -> None:
        """Change the user's password (Radicale reads the htpasswd file on each login)."""
        (self.folder / "users").write_text(f"{USER}:{password}\n")

    def client(self, password: str = PASSWORD) -> Any:
        """A caldav client logged in as the test user, for seeding and changing calendars."""
        from caldav.davclient import DAVClient

        return DAVClient(
            url=f"{self.base}/", username=USER, password=password, enable_rfc6764=False
        )

    def calendar(self, name: str) -> Any:
        """The user's calendar called `name`, made if missing."""
        principal = self.client().principal()
        for cal in principal.get_calendars():
            if cal.get_display_name() == name:
                return cal
        return principal.make_calendar(name=name, cal_id=name.lower())
