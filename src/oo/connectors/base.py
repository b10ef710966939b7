"""The connector interface, what a pull returns, and the registry of connectors.

A connector turns a provider's data into signals (item derivatives and todo candidates). It
gets its HTTP client injected and never writes the store: `oo.connectors.sync` writes what it
returns in one transaction. Connectors, built-in ones included, are registered through the
`oo.connectors` entry-point group, so a third-party package can add one.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO, runtime_checkable

from oo import paths
from oo.errors import OOError
from oo.privacy.consent import ConsentText

if TYPE_CHECKING:
    import httpx2

GROUP = "oo.connectors"
CONFIG_NAME = "config.toml"


class ConnectorError(OOError):
    """A pull, connect or revoke that failed; the message is one line, never a secret."""


class ReconnectNeeded(ConnectorError):
    """The provider refused the credential (revoked or expired): the person must reconnect."""


@dataclass(frozen=True)
class Item:
    """Derivatives of one provider task or event: ids and features, never its title."""

    item_id: str
    kind: str  # "task" or "event"
    due: str | None = None  # "YYYY-MM-DD" for a date, a UTC timestamp for a time
    due_has_time: bool = False
    priority: int | None = None  # Todoist's scale: 4 is urgent, 1 is normal
    labels: tuple[str, ...] = ()
    project_id: str | None = None
    start: str | None = None
    end: str | None = None
    all_day: bool = False
    busy: bool = True
    completed_at: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A tip made by a source (a todo), ready for the engine to choose."""

    source_ref: str
    text: str
    features: dict[str, Any]
    kind: str = "todo"
    category: str = "tasks"
    expires_at: datetime | None = None


@dataclass
class Pull:
    """What one pull produced. `items` is the source's whole current set of items."""

    items: list[Item] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    # Ids the provider reports completed: their candidates are marked done.
    completed: list[str] = field(default_factory=list)
    # What the connector wants back on its next pull (a sync token, derivatives per object):
    # kept in the `sources` row, never a secret. None keeps nothing.
    cursor: dict[str, Any] | None = None


@dataclass(frozen=True)
class State:
    """What a pull may read: the time, the account and its secret (from the keyring), the
    cursor its previous pull returned, and the data directory's install id (to save a
    refreshed secret under)."""

    now: datetime
    account: str
    secret: dict[str, Any]
    cursor: dict[str, Any] | None = None
    install: str = ""


@dataclass(frozen=True)
class ConnectFlow:
    """How `oo connect NAME` gets a credential, so the command needs no branch per source.

    - `argument`: the metavar of the one argument it needs (a path or URL), or None;
    - `stdin`: whether it reads a secret from stdin: never, only with --token-stdin, or always;
    - `browser`: whether it may open a browser (OAuth);
    - `summary`: one line for help and docs.
    """

    summary: str
    argument: str | None = None
    stdin: Literal["never", "with --token-stdin", "always"] = "never"
    browser: bool = False


@dataclass(frozen=True)
class Setup:
    """What the person gave `oo connect`: the argument, flags and --select choices."""

    now: datetime
    argument: str | None = None
    token_stdin: bool = False
    selections: tuple[str, ...] = ()
    timeout: float = 300
    stdin: TextIO = field(default_factory=lambda: sys.stdin)

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()

    def read_secret(self, prompt: str) -> str:
        """One line from stdin (a token, an app password); hidden when typed at a terminal."""
        if self.interactive:
            import getpass

            return getpass.getpass(f"{prompt}: ", stream=sys.stderr)
        return self.stdin.readline()


@dataclass(frozen=True)
class Connected:
    """What a connect flow returns: the account shown in `oo status`, the secret for the
    keyring and how it was obtained (recorded in the SourceConnected event)."""

    account: str
    secret: dict[str, Any]
    method: str


@runtime_checkable
class Connector(Protocol):
    """Everything oO knows about a provider comes from here: `oo connect`, `oo consent show`,
    `oo privacy`, `oo status` and the daemon need no change for a new one."""

    name: str
    scopes: tuple[str, ...]
    freshness_target: timedelta
    connect_flow: ConnectFlow
    consent: ConsentText  # what it reads, keeps and may send to a model
    privacy: str  # one or two sentences for `oo privacy`: where the secret lives, what is kept

    def connect(self, client: httpx2.Client, setup: Setup) -> Connected:
        """Get the credential (token on stdin, OAuth, a path or URL) and check it works."""
        ...

    def prepare(self, client: httpx2.Client, state: State) -> State:
        """Make the credential usable (refresh a token); returns the state to pull with."""
        ...

    def pull(self, client: httpx2.Client, state: State) -> Pull: ...

    def revoke(self, client: httpx2.Client, state: State) -> None:
        """Revoke the credential at the provider; raises ConnectorError if that failed."""
        ...


@cache
def _entries() -> tuple[EntryPoint, ...]:
    """The `oo.connectors` entry points, read once a process (a scan of every package)."""
    return tuple(entry_points(group=GROUP))


def names() -> list[str]:
    """Every installed connector, from entry-point metadata only (no connector is imported)."""
    return sorted({ep.name for ep in _entries()})


def installed() -> Iterator[Connector]:
    """Every installed connector that loads; one that fails to load is skipped."""
    for name in names():
        try:
            yield get(name)
        except OOError:
            continue


def get(name: str) -> Connector:
    """The connector registered under `name`."""
    found = [ep for ep in _entries() if ep.name == name]
    if not found:
        known = ", ".join(names()) or "none"
        raise OOError(f"no source named {name!r}; known sources: {known}", 2)
    try:
        factory = found[0].load()
        connector = factory()
    except Exception as exc:
        raise OOError(f"the {name} connector failed to load ({type(exc).__name__})") from None
    if not isinstance(connector, Connector):
        lacking = [m for m in CONTRACT if not hasattr(connector, m)]
        raise OOError(
            f"the {name} connector lacks {', '.join(lacking)} (see docs/connectors.md,"
            " Writing a connector)"
        )
    return connector


# What a connector must have: the protocol's attributes and methods, derived from it.
CONTRACT = (
    *Connector.__annotations__,
    *(k for k, v in vars(Connector).items() if callable(v) and not k.startswith("_")),
)


def setting(connector: str, key: str, default: str | None = None) -> str | None:
    """A connector setting: env OO_<CONNECTOR>_<KEY>, else [connectors.<connector>] <key> in
    config.toml in the data directory, else `default`."""
    env = os.environ.get(f"OO_{connector}_{key}".upper())
    if env:
        return env
    path = paths.home() / CONFIG_NAME
    try:
        with path.open("rb") as f:
            config = tomllib.load(f)
    except FileNotFoundError:
        return default
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OOError(f"cannot read {path}: {exc}") from None
    value = config.get("connectors", {}).get(connector, {}).get(key)
    return default if value is None else str(value)


def freshness_target(connector: Connector) -> timedelta:
    minutes = setting(connector.name, "freshness_minutes")
    if minutes is None:
        return connector.freshness_target
    try:
        return timedelta(minutes=float(minutes))
    except ValueError:
        raise OOError(f"freshness_minutes for {connector.name} is not a number") from None


class ConsentTexts:
    """The consent texts of the installed connectors, for `oo.privacy.consent` (registered in
    the `oo.consent` entry-point group). Only the connector asked about is imported."""

    def subjects(self) -> list[str]:
        return names()

    def text(self, subject: str) -> ConsentText | None:
        if subject not in names():
            return None
        text = get(subject).consent
        if text.subject != subject:
            raise OOError(f"the {subject} connector's consent text names {text.subject!r}")
        return text


CONSENT_TEXTS = ConsentTexts()


def privacy_descriptions() -> dict[str, str]:
    """Installed connector -> its privacy description, for the privacy page."""
    return {c.name: c.privacy for c in installed()}
