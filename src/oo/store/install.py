"""The data directory's install id (made by a migration): it names the directory's keyring
entries, so two data directories never touch each other's secrets."""

from __future__ import annotations

import sqlite3


def install_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT id FROM install").fetchone()
    if row is None:  # a database whose install row was removed by hand: make a new one
        import secrets

        from oo.store.db import transaction

        with transaction(conn):
            conn.execute(
                "INSERT INTO install (id, created_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
                (secrets.token_hex(16),),
            )
        row = conn.execute("SELECT id FROM install").fetchone()
    return str(row[0])
