"""Where oO keeps its files: one directory, overridable as a whole with OO_HOME.

Kept light: `oo tip` imports this module on its fast path.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_NAME = "oo.db"


def home() -> Path:
    """The data and configuration directory (not created here)."""
    override = os.environ.get("OO_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs  # light, but only needed without OO_HOME

    return platformdirs.user_data_path("oo", appauthor=False)


def db_path() -> Path:
    return home() / DB_NAME


def ensure_home() -> Path:
    """Create the directory, private to this user (0700), and return it."""
    path = home()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def owned_files() -> list[Path]:
    """Every file oO owns: the database, its WAL and shared memory, logs and caches."""
    root = home()
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())
