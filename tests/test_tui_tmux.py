"""`oo watch` in a real terminal: tmux runs it, capture-pane reads the screen, send-keys types."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oo.clock import now
from tests.conftest import OO, run_oo
from tests.test_tui import put_tip, status_of

pytestmark = pytest.mark.desktop

TIP = "Put your phone in another room for the next hour of work."
# The greys of the xterm 256-colour palette: black (16), the cube's diagonal, the grey ramp.
GREYS = {16, 59, 102, 145, 188, 231, *range(232, 256)}


class Tmux:
    """One private tmux server (its own -L socket), killed when the test ends."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"oo-test-{uuid.uuid4().hex[:12]}"
        self.conf = tmp_path / "tmux.conf"
        self.conf.write_text('set -g default-terminal "screen-256color"\n')

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.conf), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        return done.stdout

    def screen(self, colours: bool = False) -> str:
        return self("capture-pane", "-p", *(["-e"] if colours else []), "-t", "t")

    def kill(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10, check=False
        )


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux; scripts/test does it)")
    server = Tmux(tmp_path)
    try:
        yield server
    finally:
        server.kill()


def wait_for(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def flat(screen: str) -> str:
    return " ".join(screen.split())


def test_oo_watch_in_tmux_shows_the_tip_on_black_and_d_records_done(
    conn: sqlite3.Connection, oo_home: Path, tmux: Tmux
) -> None:
    tip_id = put_tip(conn, TIP, now())
    tmux(
        "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
        f"env -u NO_COLOR OO_HOME={oo_home} {OO} watch",
    )  # fmt: skip
    wait_for(lambda: TIP in flat(tmux.screen()), "the tip on screen")

    coloured = tmux.screen(colours=True)
    before_tip = coloured[: coloured.index("Put your phone")]
    last_background = re.findall(r"\x1b\[(?:[0-9;]*;)?(48;5;\d+|49|0)?m", before_tip)
    assert [b for b in last_background if b][-1] == "48;5;16"  # the tip is on black
    used = {int(n) for n in re.findall(r"[34]8;5;(\d+)", coloured)}
    assert used
    assert used <= GREYS, used - GREYS
    assert "d done" in tmux.screen()

    tmux("send-keys", "-t", "t", "d")
    wait_for(lambda: status_of(conn, tip_id)["status"] == "done", "a done reaction")
    reaction = conn.execute(
        "SELECT count(*) FROM events WHERE type LIKE '%Reaction%' AND time >= ?",
        (conn.execute("SELECT reacted_at FROM tips WHERE id = ?", (tip_id,)).fetchone()[0],),
    ).fetchone()[0]
    assert reaction == 1
    following = conn.execute("SELECT text FROM tips WHERE status = 'current'").fetchone()[0]
    wait_for(lambda: following in flat(tmux.screen()), "the next tip on screen")
    assert TIP not in flat(tmux.screen())

    # `oo done` in another terminal: the face follows by itself.
    done = run_oo("done", env={"OO_HOME": str(oo_home)})
    assert done.returncode == 0, done.stderr
    wait_for(lambda: done.stdout.strip() in flat(tmux.screen()), "the tip after `oo done`")

    tmux("send-keys", "-t", "t", "q")
    wait_for(lambda: not _alive(tmux), "oo watch to quit")


def _alive(tmux: Tmux) -> bool:
    try:
        tmux("has-session", "-t", "t")
    except RuntimeError:
        return False
    return True
