"""Consent per source and per LLM mode: versioned texts, answers recorded as events.

The LLM texts are built and registered by oo.llm.consent (from the prompt's field list).

The current answer for a subject is its latest `consent_changed` event. A consent counts
only if it was given to the current version of the text, so a changed text asks again.
Forgetting a source deletes its events, consent included, so reconnecting asks again.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from oo.clock import iso, parse_iso
from oo.errors import OOError
from oo.events.v1 import envelope_pb2, privacy_pb2
from oo.store import events
from oo.store.db import transaction


@dataclass(frozen=True)
class ConsentText:
    subject: str
    version: int
    reads: str
    keeps: str
    sends: str

    def render(self) -> str:
        return (
            f"oO will read: {self.reads}\n"
            f"oO will keep: {self.keeps}\n"
            f"Sent to a model: {self.sends}\n"
            "You can withdraw at any time with `oo consent withdraw "
            f"{self.subject}`; oO then stops at once and deletes what it derived."
        )

    @property
    def source(self) -> str:
        return self.subject.split(":", 1)[0]


TEXTS = {
    "todoist": ConsentText(
        "todoist",
        1,
        reads="your Todoist tasks and completed tasks (read-only scope data:read).",
        keeps="task ids, due dates, priorities, labels and project ids, and the few todo "
        "tips made from your most pressing tasks (with their titles). No other task text.",
        sends="nothing with a local model; with a cloud model only counts and categories "
        "(redacted), unless you consent to full text separately.",
    ),
    "calendar": ConsentText(
        "calendar",
        1,
        reads="the events of your calendar feed, from now to 7 days ahead.",
        keeps="event start and end times, all-day and busy flags, and event ids. "
        "No titles, places or attendees.",
        sends="nothing with a local model; with a cloud model only whether you are busy "
        "and how long your free time is (redacted).",
    ),
}


def register(text: ConsentText) -> None:
    """Add a consent text defined elsewhere (the LLM modes: oo.llm.consent)."""
    TEXTS[text.subject] = text


def text_for(subject: str) -> ConsentText:
    try:
        return TEXTS[subject]
    except KeyError:
        known = ", ".join(sorted(TEXTS))
        raise OOError(f"no consent is defined for {subject!r}; known: {known}", 2) from None


@dataclass(frozen=True)
class Consent:
    subject: str
    given: bool
    text_version: int
    time: datetime

    @property
    def current(self) -> bool:
        return self.given and self.text_version == text_for(self.subject).version

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "given": self.given,
            "text_version": self.text_version,
            "current_text_version": text_for(self.subject).version,
            "current": self.current,
            "time": iso(self.time),
        }


def latest(conn: sqlite3.Connection, subject: str) -> Consent | None:
    source = text_for(subject).source
    for row in conn.execute(
        "SELECT payload, time FROM events WHERE type = 'consent_changed' AND source = ?"
        " ORDER BY id DESC",
        (source,),
    ):
        body = envelope_pb2.Event.FromString(row["payload"]).consent_changed
        if body.subject == subject:
            return Consent(subject, body.given, body.text_version, parse_iso(row["time"]))
    return None


def has_consent(conn: sqlite3.Connection, subject: str) -> bool:
    answer = latest(conn, subject)
    return answer is not None and answer.current


def require(conn: sqlite3.Connection, subject: str) -> None:
    """Raise unless the person consented to the current text for `subject`."""
    if not has_consent(conn, subject):
        source = text_for(subject).source
        raise OOError(
            f"no current consent for {subject}; run `oo connect {source}` to review and agree"
            if source != "llm"
            else f"no current consent for {subject}; run `oo llm consent` to review and agree"
        )


def record(conn: sqlite3.Connection, subject: str, *, given: bool, now: datetime) -> None:
    text = text_for(subject)
    body = privacy_pb2.ConsentChanged(subject=subject, given=given, text_version=text.version)
    with transaction(conn):
        events.append(conn, body, now=now, source=text.source)


def all_latest(conn: sqlite3.Connection) -> list[Consent]:
    found = (latest(conn, subject) for subject in TEXTS)
    return [c for c in found if c is not None]


DERIVED_TABLES = ("candidates", "items", "tips", "sources")


def stop_using(conn: sqlite3.Connection, source: str, *, now: datetime) -> int:
    """Delete everything derived from `source` (its history of events stays until forget)."""
    from oo.privacy.forget import scrub

    with transaction(conn):
        removed = 0
        for table in DERIVED_TABLES:
            column = "name" if table == "sources" else "source"
            removed += conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (source,)).rowcount
    scrub(conn)
    return removed
