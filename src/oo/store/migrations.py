"""Schema migrations: append-only, each in a transaction, recorded in the database.

Never edit a migration once it has landed; add a new one and bump SCHEMA_VERSION.
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime

from oo.store.db import backup_before_migration, schema_version
from oo.store.schema import KEEPS_STANDBY, SCHEMA_VERSION

# sqlite-utils imports numpy and pandas when installed, for column types oO never uses;
# that would put ~60 ms and ~15 MB into every process that migrates (the daemon included).
_masked = [name for name in ("numpy", "pandas") if name not in sys.modules]
for _name in _masked:
    sys.modules[_name] = None  # type: ignore[assignment]
try:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations
finally:
    for _name in _masked:
        del sys.modules[_name]


migrations = Migrations("oo")


def _run(db: Database, *statements: str) -> None:
    for sql in statements:
        db.execute(sql)


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """CREATE TABLE events (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            time TEXT NOT NULL,
            source TEXT NOT NULL,
            payload BLOB NOT NULL
        )""",
        "CREATE INDEX events_type ON events (type, time)",
        "CREATE INDEX events_source ON events (source, time)",
        """CREATE TABLE tips (
            id TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('advice', 'todo')),
            category TEXT NOT NULL,
            source TEXT NOT NULL,
            source_ref TEXT,
            library_id TEXT,
            decided_at TEXT NOT NULL,
            shown_at TEXT,
            expires_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'current' CHECK (status IN
                ('current', 'done', 'useful', 'later', 'dismissed', 'ignored')),
            reacted_at TEXT,
            later_until TEXT,
            returned_at TEXT,
            policy TEXT NOT NULL,
            propensity REAL NOT NULL,
            why TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE UNIQUE INDEX tips_one_current ON tips (status) WHERE status = 'current'",
        "CREATE INDEX tips_decided ON tips (decided_at)",
        "CREATE INDEX tips_library ON tips (library_id, decided_at)",
        """CREATE TABLE moods (
            id TEXT PRIMARY KEY,
            time TEXT NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            note TEXT
        )""",
        "CREATE INDEX moods_time ON moods (time)",
        """CREATE TABLE habits (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            every TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE habit_checkins (
            id TEXT PRIMARY KEY,
            habit_id TEXT NOT NULL REFERENCES habits (id) ON DELETE CASCADE,
            time TEXT NOT NULL
        )""",
        "CREATE INDEX habit_checkins_habit ON habit_checkins (habit_id, time)",
        """CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            account TEXT,
            connected_at TEXT NOT NULL,
            last_success TEXT,
            last_error TEXT,
            freshness_target_s INTEGER NOT NULL
        )""",
        """CREATE TABLE egress (
            id TEXT PRIMARY KEY,
            time TEXT NOT NULL,
            host TEXT NOT NULL,
            purpose TEXT NOT NULL,
            source TEXT NOT NULL,
            method TEXT NOT NULL,
            status INTEGER,
            bytes_out INTEGER NOT NULL,
            bytes_in INTEGER NOT NULL,
            fields TEXT NOT NULL DEFAULT '[]'
        )""",
        "CREATE INDEX egress_time ON egress (time)",
        # Derivatives of a source's items (tasks, events): ids and features, never titles.
        """CREATE TABLE items (
            source TEXT NOT NULL,
            item_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('task', 'event')),
            due TEXT,
            due_has_time INTEGER NOT NULL DEFAULT 0,
            priority INTEGER,
            labels TEXT NOT NULL DEFAULT '[]',
            project_id TEXT,
            start TEXT,
            end TEXT,
            all_day INTEGER NOT NULL DEFAULT 0,
            busy INTEGER NOT NULL DEFAULT 1,
            completed_at TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source, item_id)
        )""",
        "CREATE INDEX items_due ON items (kind, due)",
        "CREATE INDEX items_start ON items (kind, start)",
        # Tips made by a source (todo tips from tasks, LLM-written tips), ready to be chosen.
        """CREATE TABLE candidates (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            source_ref TEXT,
            text TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('advice', 'todo')),
            category TEXT NOT NULL,
            features TEXT NOT NULL DEFAULT '{}',
            provenance TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            expires_at TEXT,
            done_at TEXT
        )""",
        "CREATE INDEX candidates_source ON candidates (source, source_ref)",
    )


@migrations()
def m002_engine(db: Database) -> None:
    _run(
        db,
        # One row per decision: enough to replay it and to evaluate any other policy.
        """CREATE TABLE decisions (
            tip_id TEXT PRIMARY KEY REFERENCES tips (id) ON DELETE CASCADE,
            time TEXT NOT NULL,
            policy TEXT NOT NULL,
            policy_version TEXT NOT NULL,
            context TEXT NOT NULL,
            candidates TEXT NOT NULL,
            actions TEXT NOT NULL,
            chosen INTEGER NOT NULL,
            propensity REAL NOT NULL,
            scores TEXT NOT NULL,
            probabilities TEXT NOT NULL,
            shadows TEXT NOT NULL DEFAULT '{}',
            reward REAL,
            rewarded_at TEXT
        )""",
        "CREATE INDEX decisions_time ON decisions (time)",
        # Learned parameters of the active policy and of those running in its shadow.
        """CREATE TABLE policy_state (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('active', 'shadow')),
            version TEXT NOT NULL,
            params BLOB NOT NULL,
            updates INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )""",
        "CREATE UNIQUE INDEX policy_state_one_active ON policy_state (role) WHERE role = 'active'",
        # Near-duplicate candidates found at refresh time (TF-IDF cosine), left out when choosing.
        """CREATE TABLE candidate_duplicates (
            candidate_id TEXT PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
            duplicate_of TEXT,
            similarity REAL NOT NULL,
            checked_at TEXT NOT NULL
        )""",
    )


@migrations()
def m004_daemon(db: Database) -> None:
    # The daemon's notification decisions, sent or not, with their probability (for
    # evaluating the timing policy off-line) and what became of each notification.
    _run(
        db,
        """CREATE TABLE deliveries (
            id TEXT PRIMARY KEY,
            tip_id TEXT,
            decision_point TEXT NOT NULL,
            decided_at TEXT NOT NULL,
            hour INTEGER NOT NULL,
            weekday INTEGER NOT NULL,
            send INTEGER NOT NULL,
            probability REAL NOT NULL,
            reason TEXT NOT NULL,
            policy TEXT NOT NULL,
            sent_at TEXT,
            shown INTEGER,
            outcome TEXT,
            outcome_at TEXT
        )""",
        "CREATE INDEX deliveries_decided ON deliveries (decided_at)",
        "CREATE INDEX deliveries_point ON deliveries (decision_point)",
        "CREATE INDEX deliveries_tip ON deliveries (tip_id)",
    )


@migrations()
def m005_source_cursor(db: Database) -> None:
    # What a connector wants back on its next pull (a CalDAV sync token and the derivatives
    # of each calendar object), as JSON; never a secret. Deleted with the source's row.
    _run(db, "ALTER TABLE sources ADD COLUMN cursor TEXT")


# Where a generated tip came from, kept on the tip itself: candidates are replaced by the
# next generation, the history of tips is not. Columns of the LLM candidate's provenance
# (oo.llm.generate) are copied by a trigger when the engine records an LLM tip, and the
# tip expires no later than the candidate's valid-until (the end of its moment).
_PROVENANCE = {
    "model_alias": "alias",
    "model": "model",
    "run_id": "run",
    "prompt_version": "prompt_version",
    "signal": "signal",
}


@migrations()
def m006_generated_tip_provenance(db: Database) -> None:
    chosen = "FROM candidates c WHERE c.source = NEW.source AND c.source_ref = NEW.source_ref"
    copies = ", ".join(
        [
            f"{column} = (SELECT json_extract(c.provenance, '$.{key}') {chosen} LIMIT 1)"
            for column, key in _PROVENANCE.items()
        ]
        + [
            "expires_at = MIN(NEW.expires_at,"
            f" COALESCE((SELECT c.expires_at {chosen} LIMIT 1), NEW.expires_at))"
        ]
    )
    _run(
        db,
        *(f"ALTER TABLE tips ADD COLUMN {column} TEXT" for column in _PROVENANCE),
        f"""CREATE TRIGGER tips_generated_provenance AFTER INSERT ON tips
        WHEN NEW.source = 'llm'
        BEGIN
            UPDATE tips SET {copies} WHERE id = NEW.id;
        END""",
    )


@migrations()
def m007_install_id(db: Database) -> None:
    # The data directory's identity: it names this directory's keyring entries, so two data
    # directories never touch each other's secrets. Not personal data: `forget` keeps it.
    import secrets

    _run(
        db,
        """CREATE TABLE install (
            id TEXT PRIMARY KEY CHECK (length(id) >= 16 AND instr(id, '/') = 0),
            created_at TEXT NOT NULL
        )""",
    )
    db.execute(
        "INSERT INTO install (id, created_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
        [secrets.token_hex(16)],
    )


@migrations()
def m008_standby(db: Database) -> None:
    # 1. Tips gain the status 'standby': the next tip, drawn in advance (oo.engine.current).
    #    Widening a CHECK list does not change the file format, so the table's SQL is edited
    #    in place, as https://sqlite.org/lang_altertable.html#otheralter describes; a copy of
    #    the table would cascade-delete the decision log (decisions REFERENCES tips).
    old = "('current', 'done', 'useful', 'later', 'dismissed', 'ignored')"
    new = "('current', 'standby', 'done', 'useful', 'later', 'dismissed', 'ignored')"
    (sql,) = db.execute("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'tips'")
    if old not in sql[0]:
        raise RuntimeError("tips.status CHECK is not the one m001 created")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'tips'",
        [sql[0].replace(old, new)],
    )
    db.execute(f"PRAGMA schema_version = {version + 1}")
    db.execute("PRAGMA writable_schema = OFF")
    kept = ", ".join(f"'{t}'" for t in KEEPS_STANDBY)
    _run(
        db,
        "CREATE UNIQUE INDEX tips_one_standby ON tips (status) WHERE status = 'standby'",
        # A new signal drops the standby (its decision row goes with it, ON DELETE CASCADE).
        f"""CREATE TRIGGER tips_standby_dropped AFTER INSERT ON events
        WHEN NEW.type NOT IN ({kept})
        BEGIN
            DELETE FROM tips WHERE status = 'standby';
        END""",
        # 2. A decision's reward moves to a row of its own, so learning it does not rewrite
        #    the decision log's row (kilobytes of features). settled_at is set once the
        #    reward is learned, or once there is nothing to learn (reward NULL: a tip never
        #    shown); what is not settled is learned by the next process that can
        #    (oo.engine.catchup).
        """CREATE TABLE rewards (
            tip_id TEXT PRIMARY KEY REFERENCES decisions (tip_id) ON DELETE CASCADE,
            reward REAL,
            settled_at TEXT
        )""",
        "CREATE INDEX rewards_unsettled ON rewards (tip_id) WHERE settled_at IS NULL",
        """INSERT INTO rewards (tip_id, reward, settled_at)
        SELECT tip_id, reward, CASE
            WHEN reward IS NULL AND tip_id IN (SELECT id FROM tips WHERE status = 'current')
            THEN NULL ELSE COALESCE(rewarded_at, time) END
        FROM decisions""",
        "ALTER TABLE decisions DROP COLUMN reward",
        "ALTER TABLE decisions DROP COLUMN rewarded_at",
    )


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations under the write lock, so concurrent first runs agree.

    All pending migrations run in one transaction: interrupted (killed, disk full, power
    cut), the database keeps its old schema; finished, it has the new one. Before changing
    a database that already holds data, a copy goes to `backups/` (see
    `backup_before_migration`)."""
    db = Database(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(conn)  # again under the lock: another process may have won
        if 0 < version < SCHEMA_VERSION:
            backup_before_migration(conn, version, datetime.now(UTC))
        migrations.apply(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
