"""`python -m oo.engine.catchup`: the half of a reaction that `oo done` leaves behind.

`oo done` records the reaction and shows the standby without the engine, then starts this
process in the background, detached, as git starts `git gc --auto`: it learns the rewards
not yet learned and draws the next standby. If it never runs (killed, a full disk), nothing
is lost: the next process that decides (`oo tip` on expiry, the daemon, a reaction with no
standby) learns what is pending first. It writes nothing when the data directory is gone or
at another schema, and says nothing: the person is not waiting on it.

While it runs it holds an exclusive lock on `catchup.lock` in the data directory, taken by
the starting process and handed down, so there is no moment between start and lock:
`wait()` returns once the background work is done (`oo forget` waits, so does the test
suite). A second start waits for the first catch-up to finish.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

from oo import clock, paths
from oo.errors import OOError
from oo.store import db

LOCK_NAME = "catchup.lock"


def _lock_fd(*, create: bool, home: Path | None = None) -> int:
    flags = os.O_RDWR | (os.O_CREAT if create else 0)
    return os.open((home or paths.home()) / LOCK_NAME, flags, 0o600)


def start() -> None:
    """Start the catch-up in the background; the caller does not wait for it."""
    fd = _lock_fd(create=True)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a catch-up still running finishes first
        with warnings.catch_warnings():
            # Never waited for, by design: dropping the Popen hands the child to the
            # subprocess module's reaper, with a ResourceWarning that says just that.
            warnings.simplefilter("ignore", ResourceWarning)
            child = subprocess.Popen(
                [sys.executable, "-m", "oo.engine.catchup"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(fd,),  # the child holds the lock until it exits
                start_new_session=True,  # not killed with the terminal's process group
            )
            del child
    finally:
        os.close(fd)


def wait(timeout: float = 60.0, *, home: Path | None = None) -> bool:
    """Wait until no catch-up runs for this data directory (or `home`); False if one still
    runs after `timeout` seconds."""
    try:
        fd = _lock_fd(create=False, home=home)
    except FileNotFoundError:
        return True  # none was ever started here
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
                continue
            return True  # closing the descriptor releases the lock
    finally:
        os.close(fd)


def main() -> int:
    try:
        conn = db.open_existing()
        if conn is None:
            return 0
        try:
            from oo.engine import recommender

            recommender.catch_up(conn, clock.now())
        finally:
            conn.close()
    except (sqlite3.Error, OOError, OSError):
        return 1  # the next deciding process learns what is pending
    return 0


if __name__ == "__main__":
    sys.exit(main())
