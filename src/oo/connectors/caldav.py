"""CalDAV calendars (Nextcloud, Fastmail, iCloud, Radicale...) through the `caldav` library.

`oo connect caldav https://USER@host/dav/` reads an app password from stdin; the calendars
to use are chosen at connect (`--select NAME`, or the only one). Each pull asks each calendar
for what changed since its sync token (RFC 6578 sync-collection); a server without sync
tokens, an expired token or a new day gets a full fetch. Each calendar object is expanded
by the ICS connector's `expand` (the same window, ids and rules), and only derivatives are
kept: per object its occurrences' times, all-day and busy flags and ids, in the cursor; no
titles, places or attendees.

Every request goes through the injected client's event hooks, so it is in the egress ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from oo.connectors import calendar as ics
from oo.connectors.base import (
    Connected,
    ConnectFlow,
    ConnectorError,
    Item,
    Pull,
    ReconnectNeeded,
    Setup,
    State,
)
from oo.privacy.consent import ConsentText

NAME = "caldav"
CURSOR_VERSION = 1
MAX_CALENDARS = 20
MULTIGET = 100


def _split(location: str) -> tuple[str, str]:
    """(URL without the user, user) from `https://USER@host/path`."""
    parts = urlsplit(location.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectorError(
            f"give the CalDAV server's address as https://USER@host/path, not {location!r}"
        )
    if not parts.username:
        raise ConnectorError(
            "put your user name in the address: `oo connect caldav https://USER@host/dav/`"
        )
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise ConnectorError(
            "plain http would send your app password in clear: use the server's https://"
            " address; nothing was saved"
        )
    if parts.password:
        raise ConnectorError(
            "never put the password in the address; oO reads it from stdin; nothing was saved"
        )
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, host, parts.path or "/", "", ""))
    return clean, parts.username


def _hooks(http: Any) -> dict[str, Any]:
    """niquests hooks that feed each request and answer to the injected client's own hooks
    (the egress recorder), as httpx2 objects."""
    import httpx2

    sent: dict[int, httpx2.Request] = {}

    def pre_send(prepared: Any, **_: Any) -> None:
        body = prepared.body or b""
        request = httpx2.Request(
            prepared.method,
            prepared.url,
            headers=dict(prepared.headers),
            content=body if isinstance(body, bytes) else str(body).encode(),
        )
        sent[id(prepared)] = request
        for hook in http.event_hooks.get("request", []):
            hook(request)

    def response(answer: Any, **_: Any) -> None:
        request = sent.pop(id(answer.request), None)
        if request is None:
            return
        # The body is already decoded: drop the headers that describe its encoding.
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")
        }
        copy = httpx2.Response(
            answer.status_code,
            headers=headers,
            content=answer.content or b"",
            request=request,
        )
        for hook in http.event_hooks.get("response", []):
            hook(copy)

    return {"pre_send": [pre_send], "response": [response]}


@contextmanager
def _dav(http: Any, secret: dict[str, Any]) -> Iterator[Any]:
    """A caldav DAVClient for the saved account; its errors become one sentence."""
    from caldav.davclient import DAVClient  # wraps caldav, lxml and niquests
    from caldav.lib import error

    from oo.connectors.http import timeout_s

    try:
        url, username, password = secret["url"], secret["username"], secret["password"]
    except KeyError:
        raise ReconnectNeeded(
            f"reconnect needed: no CalDAV account is saved; run `oo connect {NAME}`"
        ) from None
    host = urlsplit(str(url)).hostname or "the CalDAV server"
    client = DAVClient(
        url=str(url),
        username=str(username),
        password=str(password),
        timeout=int(timeout_s()),
        enable_rfc6764=False,
    )
    client.session.trust_env = False
    for key, hooks in _hooks(http).items():
        client.session.hooks.setdefault(key, []).extend(hooks)
    try:
        with client:
            yield client
    except error.AuthorizationError:
        raise ReconnectNeeded(
            f"reconnect needed: {host} refused the user name or app password;"
            f" run `oo connect {NAME}`"
        ) from None
    except error.NotFoundError:
        raise ConnectorError(
            f"{host} has no calendar at the saved address; nothing was changed"
        ) from None
    except error.DAVError as exc:
        raise ConnectorError(
            f"{host} gave an unusable CalDAV answer ({type(exc).__name__}); nothing was changed"
        ) from None
    except ConnectorError:
        raise
    except OSError as exc:  # niquests' connection errors are OSErrors
        raise ConnectorError(
            f"cannot reach {host} ({type(exc).__name__}); nothing was changed"
        ) from None


def _calendars(dav: Any) -> list[tuple[str, str]]:
    """(name, URL) of every calendar of the account."""
    found = []
    for cal in dav.principal().get_calendars()[:MAX_CALENDARS]:
        url = str(cal.url)
        name = cal.get_display_name() or url.rstrip("/").rsplit("/", 1)[-1]
        found.append((str(name), url))
    return found


def _choose(calendars: list[tuple[str, str]], setup: Setup) -> list[str]:
    if not calendars:
        raise ConnectorError("this CalDAV account has no calendar; nothing was saved")
    names = ", ".join(name for name, _ in calendars)
    if not setup.selections:
        if len(calendars) == 1:
            return [calendars[0][1]]
        if setup.interactive:
            return _ask(calendars, setup)
        raise ConnectorError(
            f"this account has {len(calendars)} calendars ({names}): choose with"
            " --select NAME (repeat for several); nothing was saved"
        )
    chosen: list[str] = []
    for wanted in setup.selections:
        match = [url for name, url in calendars if wanted in (name, url)]
        if not match:
            raise ConnectorError(
                f"no calendar named {wanted!r}; this account has: {names}; nothing was saved"
            )
        chosen.extend(u for u in match if u not in chosen)
    return chosen


def _ask(calendars: list[tuple[str, str]], setup: Setup) -> list[str]:
    """At a terminal: list the calendars and read the numbers of those to use."""
    import sys

    for number, (name, _) in enumerate(calendars, 1):
        print(f"  {number}. {name}", file=sys.stderr)
    print("Calendars to use (numbers, separated by spaces): ", end="", file=sys.stderr)
    sys.stderr.flush()
    chosen: list[str] = []
    for word in setup.stdin.readline().replace(",", " ").split():
        if not word.isdigit() or not 1 <= int(word) <= len(calendars):
            raise ConnectorError(f"no calendar number {word!r}; nothing was saved")
        url = calendars[int(word) - 1][1]
        if url not in chosen:
            chosen.append(url)
    if not chosen:
        raise ConnectorError("no calendar chosen; nothing was saved")
    return chosen


def _day_end(now: datetime) -> datetime:
    """The window's far edge is taken from the end of today, so what an object expanded
    to earlier today is still right for every pull today (the cursor is per day)."""
    local = now.astimezone()
    return datetime.combine(local.date(), time(23, 59, 59), local.tzinfo)


def _expand(data: str | bytes, now: datetime) -> list[dict[str, Any]]:
    raw = data.encode() if isinstance(data, str) else data
    return [asdict(item) for item in ics.expand(ics._parse(raw), _day_end(now))]


def _load(cal: Any, objects: list[Any]) -> dict[str, str]:
    """href -> iCalendar text of each object, fetched in calendar-multiget REPORTs of up to
    MULTIGET objects (one GET each where the server refuses multiget). Gone ones are left out."""
    from caldav.lib import error

    found: dict[str, str] = {}
    missing = []
    for obj in objects:
        if obj.data:
            found[str(obj.url.canonical())] = obj.data
        else:
            missing.append(obj)
    for start in range(0, len(missing), MULTIGET):
        chunk = missing[start : start + MULTIGET]
        try:
            loaded = cal.multiget([obj.url for obj in chunk])
        except error.AuthorizationError:
            raise
        except error.DAVError:
            loaded = []
            for obj in chunk:
                try:
                    obj.load()
                except error.NotFoundError:
                    continue
                loaded.append(obj)
        for obj in loaded:
            if obj.data:
                found[str(obj.url.canonical())] = obj.data
    return found


def _sync_calendar(cal: Any, previous: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """{"token": ..., "objects": {href: [item dicts]}} for one calendar, incrementally when
    the previous state has a token the server still knows."""
    from caldav.lib import error

    if previous and previous.get("token"):
        try:
            changes = cal.get_objects_by_sync_token(
                sync_token=previous["token"], load_objects=False, disable_fallback=True
            )
        except error.AuthorizationError as exc:
            if not getattr(exc, "preconditions", None):
                raise
            changes = None  # the token expired: fetch everything
        except (error.ReportError, error.DAVError):
            changes = None
        if changes is not None and not changes.truncated:
            objects = dict(previous.get("objects", {}))
            deleted = {str(u) for u in changes.deleted_urls}
            for href in deleted:
                objects.pop(href, None)
            changed = [o for o in changes if str(o.url.canonical()) not in deleted]
            for href in {str(o.url.canonical()) for o in changed}:
                objects.pop(href, None)  # changed, or deleted after the report
            for href, data in _load(cal, changed).items():
                objects[href] = _expand(data, now)
            return {"token": str(changes.sync_token), "objects": objects, "mode": "incremental"}
    everything = cal.get_objects_by_sync_token(load_objects=False)
    objects = {href: _expand(data, now) for href, data in _load(cal, list(everything)).items()}
    token = everything.sync_token
    return {"token": None if token is None else str(token), "objects": objects, "mode": "full"}


class CalDAVConnector:
    name = NAME
    scopes: tuple[str, ...] = ()
    freshness_target = timedelta(minutes=30)
    connect_flow = ConnectFlow(
        "a CalDAV server (Nextcloud, Fastmail, iCloud, Radicale): its URL with your user"
        " name, an app password on stdin, --select CALENDAR",
        argument="URL",
        stdin="always",
    )
    consent = ConsentText(
        NAME,
        1,
        reads="the events of the calendars you choose on your CalDAV server, with their "
        "titles as the server sends them (oO reads them only to work out times).",
        keeps="event start and end times, all-day and busy flags, event ids and each "
        "calendar's sync token. No titles, places, descriptions or attendees.",
        sends="nothing with a local model; with a cloud model only whether you are busy "
        "and how long your free time is (redacted).",
    )
    privacy = (
        "Its address, user name and app password are in your OS keyring. oO keeps event"
        " times, all-day and busy flags, event ids and sync tokens; no titles, places or"
        " attendees."
    )

    def connect(self, client: Any, setup: Setup) -> Connected:
        if setup.argument is None:
            raise ConnectorError(f"give the server: `oo connect {NAME} https://USER@host/dav/`")
        url, username = _split(setup.argument)
        host = urlsplit(url).hostname
        password = setup.read_secret(f"App password for {username} at {host}").strip("\r\n")
        if not password or len(password) > 1024:
            raise ConnectorError("the app password read from stdin is empty; nothing was saved")
        secret: dict[str, Any] = {"url": url, "username": username, "password": password}
        try:
            with _dav(client, secret) as dav:
                secret["calendars"] = _choose(_calendars(dav), setup)
        except ReconnectNeeded:
            raise ConnectorError(
                f"{host} refused the user name or app password; nothing was saved"
            ) from None
        return Connected(f"{username}@{host}", secret, "app_password")

    def prepare(self, client: Any, state: State) -> State:
        return state

    def pull(self, client: Any, state: State) -> Pull:
        chosen = state.secret.get("calendars")
        if not isinstance(chosen, list) or not chosen:
            raise ReconnectNeeded(
                f"reconnect needed: no CalDAV calendar is chosen; run `oo connect {NAME}`"
            )
        day = state.now.astimezone().date().isoformat()
        cursor = state.cursor or {}
        same = cursor.get("version") == CURSOR_VERSION and cursor.get("day") == day
        previous = cursor.get("calendars", {}) if same else {}
        calendars: dict[str, Any] = {}
        with _dav(client, state.secret) as dav:
            for url in chosen:
                cal = dav.calendar(url=url)
                calendars[url] = _sync_calendar(cal, previous.get(url), state.now)
        items: dict[str, Item] = {}
        for entry in calendars.values():
            for found in entry["objects"].values():
                for raw in found:
                    item = Item(**{**raw, "labels": tuple(raw.get("labels", ()))})
                    items[item.item_id] = item
        return Pull(
            items=sorted(items.values(), key=lambda i: (i.start or "", i.item_id)),
            cursor={"version": CURSOR_VERSION, "day": day, "calendars": calendars},
        )

    def revoke(self, client: Any, state: State) -> None:
        """An app password is revoked in the server's settings; oO deletes its copy."""
        raise ConnectorError(
            "oO cannot revoke a CalDAV app password: delete it in your server's settings"
        )
