"""The schema version this oO writes. Kept apart from the migrations so the fast path
can check it without importing sqlite-utils; a test keeps the two in step."""

SCHEMA_VERSION = 6
