"""The local store: one SQLite file, its pragmas, migrations and the event log."""
