"""One daemon per data directory: an exclusive lock on `OO_HOME/daemon.lock`.

The operating system drops the lock when the process dies, even after `kill -9`, so a
stale lock file never blocks the next start.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from oo import paths

LOCK_NAME = "daemon.lock"


def lock_path() -> Path:
    return paths.home() / LOCK_NAME


def _try_lock(f: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class DaemonLock:
    """Held for the life of the daemon; `acquire` returns False if another holds it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or lock_path()
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        paths.ensure_home()
        f = self.path.open("a+b")
        if not _try_lock(f):
            f.close()
            return False
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n".encode())
        f.flush()
        self._file = f
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing drops the lock
            self._file = None


def held_by_other() -> bool:
    """True when a running daemon holds the lock for this data directory."""
    path = lock_path()
    if not path.exists():
        return False
    with path.open("a+b") as f:
        free = _try_lock(f)
    return not free
