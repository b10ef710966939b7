"""The connector interface, what a pull returns, and the registry of connectors.

A connector turns a provider's data into signals (item derivatives and todo candidates). It
gets its HTTP client injected and never writes the store: `oo.connectors.sync` writes what it
returns in one transaction. Connectors, built-in ones included, are registered through the
`oo.connectors` entry-point group, so a third-party package can add one.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from oo import paths
from oo.errors import OOError

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


@dataclass(frozen=True)
class State:
    """What a pull may read: the time, the account and its secret (from the keyring), and
    the data directory's install id (to save a refreshed secret under)."""

    now: datetime
    account: str
    secret: dict[str, Any]
    install: str = ""


@runtime_checkable
class Connector(Protocol):
    name: str
    scopes: tuple[str, ...]
    freshness_target: timedelta

    def prepare(self, client: httpx2.Client, state: State) -> State:
        """Make the credential usable (refresh a token); returns the state to pull with."""
        ...

    def pull(self, client: httpx2.Client, state: State) -> Pull: ...

    def revoke(self, client: httpx2.Client, state: State) -> None:
        """Revoke the credential at the provider; raises ConnectorError if that failed."""
        ...


def names() -> list[str]:
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def get(name: str) -> Connector:
    """The connector registered under `name`."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        known = ", ".join(names()) or "none"
        raise OOError(f"no source named {name!r}; known sources: {known}", 2)
    try:
        factory = found[0].load()
        connector = factory()
    except Exception as exc:
        raise OOError(f"the {name} connector failed to load ({type(exc).__name__})") from None
    return connector  # type: ignore[no-any-return]


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
