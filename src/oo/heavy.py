"""The heavy modules: each costs tens of milliseconds or megabytes to import, so none may
load where a person waits (`oo tip`, plain reactions, the everyday commands), and the
resident daemon carries only the few it needs.

The one list that every import-hygiene test and benchmark shares. ruff's
banned-module-level-imports in pyproject.toml names a subset of it (tests/test_imports.py
checks that the two agree).
"""

from __future__ import annotations

from collections.abc import Iterable

HEAVY: dict[str, str] = {
    "numpy": "the learning policies",
    "scipy": "scikit-learn's numerics",
    "sklearn": "tip deduplication (TF-IDF)",
    "litellm": "the LLM generator child only",
    "openai": "litellm's client",
    "tiktoken": "litellm's tokenizer",
    "py3langid": "the safety gate's language model, in the LLM generator child only",
    "textual": "the watch face",
    "rich": "textual's and typer's renderer",
    "authlib": "OAuth at connect",
    "keyring": "the OS keyring, for connectors and API keys",
    "icalendar": "the calendar connector",
    "recurring_ical_events": "the calendar connector",
    "caldav": "the CalDAV connector",
    "niquests": "caldav's HTTP client",
    "lxml": "caldav's XML parser",
    "httpx": "HTTP for connectors",
    "httpx2": "HTTP for connectors",
    "apscheduler": "the daemon's scheduler",
    "desktop_notifier": "the daemon's notifications",
    "sqlite_utils": "migrations, on the write path only when one is pending",
    "typer": "the full command line",
    "click": "typer's parser",
    "pydantic": "litellm's models",
    "google.protobuf": "the event log, on the write path",
}

# What each process may load of them, with no source connected. The daemon chooses tips
# (numpy) in a child (ADR 0043).
RESIDENT_DAEMON = frozenset({"apscheduler", "desktop_notifier", "google.protobuf"})
WATCH_FACE = frozenset({"textual", "rich", "google.protobuf"})
# typer, the event log, migrations on first use, and choosing a tip.
COMMAND_LINE = frozenset({"typer", "click", "google.protobuf", "sqlite_utils", "numpy"})


def heavy_loaded(modules: Iterable[str], *, allowed: Iterable[str] = ()) -> set[str]:
    """The heavy modules (by their HEAVY name) among `modules`, less those `allowed`."""
    ok = set(allowed)
    found = set()
    for module in modules:
        for name in HEAVY:
            if (module == name or module.startswith(name + ".")) and name not in ok:
                found.add(name)
    return found
