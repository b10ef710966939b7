"""The schema version this oO writes. Kept apart from the migrations so the fast path
can check it without importing sqlite-utils; a test keeps the two in step."""

SCHEMA_VERSION = 7

# The standby is the next tip, drawn in advance so a reaction can show it at once (see
# `oo.engine.current`). It assumes the signals of its draw: any new event other than these
# (a mood, a habit, a sync, a consent, a deletion, a policy change) drops it, through the
# trigger `tips_standby_dropped` that migration m008 builds from this tuple.
KEEPS_STANDBY = ("tip_decided", "reaction_recorded", "notification_decided", "notification_sent")
