"""Consent per source and per LLM mode: versioned texts, answers recorded as events.

The texts come from providers registered in the `oo.consent` entry-point group (an object
with `subjects()` and `text(subject)`): the connectors' provider gives each installed
connector's own text, so a third-party connector brings its consent with it. This module
imports neither connectors nor llm.

The current answer for a subject is its latest `consent_changed` event. A consent counts
only if it was given to the current version of the text, so a changed text asks again.
Forgetting a source deletes its events, consent included, so reconnecting asks again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol

from oo.clock import iso, parse_iso
from oo.errors import OOError

GROUP = "oo.consent"


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
        return source_of(self.subject)


def source_of(subject: str) -> str:
    """The source a subject belongs to: `llm:full` -> `llm`, `todoist` -> `todoist`."""
    return subject.split(":", 1)[0]


class TextProvider(Protocol):
    def subjects(self) -> Iterable[str]: ...

    def text(self, subject: str) -> ConsentText | None: ...


class StaticTexts:
    """A provider for a fixed set of texts."""

    def __init__(self, *texts: ConsentText) -> None:
        self.texts = {t.subject: t for t in texts}

    def subjects(self) -> list[str]:
        return list(self.texts)

    def text(self, subject: str) -> ConsentText | None:
        return self.texts.get(subject)


@cache
def providers() -> tuple[TextProvider, ...]:
    """The registered providers of consent texts (loaded once a process)."""
    found: list[TextProvider] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            found.append(ep.load())
        except Exception as exc:
            raise OOError(
                f"the consent texts of {ep.name} failed to load ({type(exc).__name__})"
            ) from None
    return tuple(found)


def subjects() -> list[str]:
    """Every subject a consent can be asked for, from every provider."""
    return sorted({s for p in providers() for s in p.subjects()})


def find(subject: str) -> ConsentText | None:
    for provider in providers():
        text = provider.text(subject)
        if text is not None:
            return text
    return None


def text_for(subject: str) -> ConsentText:
    text = find(subject)
    if text is None:
        known = ", ".join(subjects()) or "none"
        raise OOError(f"no consent is defined for {subject!r}; known: {known}", 2)
    return text


@dataclass(frozen=True)
class Consent:
    subject: str
    given: bool
    text_version: int
    time: datetime

    @property
    def current_text_version(self) -> int | None:
        """The version of the text installed now (None once its connector is uninstalled)."""
        text = find(self.subject)
        return None if text is None else text.version

    @property
    def current(self) -> bool:
        return self.given and self.text_version == self.current_text_version

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "given": self.given,
            "text_version": self.text_version,
            "current_text_version": self.current_text_version,
            "current": self.current,
            "time": iso(self.time),
        }


def latest(conn: sqlite3.Connection, subject: str) -> Consent | None:
    from oo.events.v1 import envelope_pb2  # wraps protobuf

    source = source_of(subject)
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
        source = source_of(subject)
        raise OOError(
            f"no current consent for {subject}; run `oo connect {source}` to review and agree"
            if source != "llm"
            else f"no current consent for {subject}; run `oo llm consent` to review and agree"
        )


def record(conn: sqlite3.Connection, subject: str, *, given: bool, now: datetime) -> None:
    from oo.events.v1 import privacy_pb2  # wraps protobuf
    from oo.store import events
    from oo.store.db import transaction

    text = text_for(subject)
    body = privacy_pb2.ConsentChanged(subject=subject, given=given, text_version=text.version)
    with transaction(conn):
        events.append(conn, body, now=now, source=text.source)


def all_latest(conn: sqlite3.Connection, extra: Iterable[str] = ()) -> list[Consent]:
    """The latest answer for every known subject (and for `extra`, such as sources connected
    through a connector that is no longer installed)."""
    found = (latest(conn, subject) for subject in sorted({*subjects(), *extra}))
    return [c for c in found if c is not None]


DERIVED_TABLES = ("candidates", "items", "tips", "sources")


def stop_using(conn: sqlite3.Connection, source: str, *, now: datetime) -> int:
    """Delete everything derived from `source` (its history of events stays until forget)."""
    from oo.privacy.forget import scrub
    from oo.store.db import transaction

    with transaction(conn):
        removed = 0
        for table in DERIVED_TABLES:
            column = "name" if table == "sources" else "source"
            removed += conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (source,)).rowcount
    scrub(conn)
    return removed
