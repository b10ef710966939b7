"""Todoist through its unified API v1: OAuth 2 with PKCE (or a personal token), tasks and
completed tasks, turned into item derivatives and at most ten todo tips.

Base URLs, the client id and the client secret are settings (see `base.setting`), so tests
point them at a loopback server. Refresh tokens rotate: each refresh saves the new token at
once, under a file lock shared by every oO process.
"""

from __future__ import annotations

import re
import secrets as random_tokens
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx2
from filelock import FileLock, Timeout

from oo import paths, secrets
from oo.clock import iso
from oo.connectors import oauth
from oo.connectors.base import (
    Candidate,
    Connected,
    ConnectFlow,
    ConnectorError,
    Item,
    Pull,
    ReconnectNeeded,
    Setup,
    State,
    setting,
)
from oo.connectors.http import check, json_body, send
from oo.privacy.consent import ConsentText
from oo.text import sanitize

NAME = "todoist"
API_URL = "https://api.todoist.com/api/v1"
OAUTH_URL = "https://todoist.com/oauth"
SCOPES: tuple[str, ...] = ("data:read",)
PAGE_LIMIT = 200
MAX_PAGES = 1000
MAX_CANDIDATES = 10
MAX_TIP = 140
COMPLETED_WINDOW = timedelta(days=7)
REFRESH_LEEWAY_S = 120
DEFAULT_REDIRECT_PORT = 8737
WHAT = "Todoist"


def api_url() -> str:
    return (setting(NAME, "api_url", API_URL) or API_URL).rstrip("/")


def oauth_url() -> str:
    return (setting(NAME, "oauth_url", OAUTH_URL) or OAUTH_URL).rstrip("/")


def _bearer(state_or_token: State | dict[str, Any]) -> dict[str, str]:
    secret = state_or_token.secret if isinstance(state_or_token, State) else state_or_token
    token = secret.get("access_token")
    if not isinstance(token, str) or not token:
        raise ReconnectNeeded(
            f"reconnect needed: no Todoist token is saved; run `oo connect {NAME}`"
        )
    return {"Authorization": f"Bearer {token}"}


def _token_lock() -> FileLock:
    folder = paths.ensure_home() / "locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    return FileLock(folder / f"{NAME}-token.lock", timeout=60)


def _oauth_client(http: httpx2.Client, **kwargs: Any) -> Any:
    """authlib's OAuth2Client, sending through the same recorded hooks as `http`."""
    from authlib.integrations.httpx_client import OAuth2Client  # wraps authlib

    client_id = setting(NAME, "client_id")
    if not client_id:
        raise ConnectorError(
            "no Todoist client id is configured: register an app (see docs/connectors.md) and"
            " set OO_TODOIST_CLIENT_ID, or connect with `oo connect todoist --token-stdin`"
        )
    client_secret = setting(NAME, "client_secret")
    method = "client_secret_post" if client_secret else "none"
    return OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=method,
        revocation_endpoint_auth_method="client_secret_basic" if client_secret else "none",
        scope=",".join(SCOPES),
        event_hooks=http.event_hooks,
        timeout=http.timeout,
        trust_env=False,
        **kwargs,
    )


def _oauth_failure(exc: Exception, doing: str) -> ConnectorError:
    from authlib.integrations.base_client import OAuthError  # wraps authlib

    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, OAuthError):
        if exc.error in ("invalid_grant", "invalid_token", "unauthorized_client"):
            return ReconnectNeeded(
                f"reconnect needed: Todoist refused the saved token ({exc.error});"
                f" run `oo connect {NAME}`"
            )
        error = sanitize(exc.error, limit=60)
        return ConnectorError(f"Todoist refused {doing} ({error}); nothing was saved")
    if isinstance(exc, httpx2.TimeoutException):
        return ConnectorError(f"Todoist did not answer in time while {doing}; nothing was saved")
    if isinstance(exc, httpx2.TransportError):
        return ConnectorError(f"cannot reach Todoist while {doing} ({type(exc).__name__})")
    return ConnectorError(f"Todoist gave an unusable answer while {doing} ({type(exc).__name__})")


def account_of(http: httpx2.Client, token: dict[str, Any]) -> str:
    """The account name shown in `oo status` (the email, else the user id)."""
    response = send(http, "GET", f"{api_url()}/user", what=WHAT, headers=_bearer(token))
    check(response, what=WHAT, source=NAME)
    body = json_body(response, what=WHAT)
    if not isinstance(body, dict):
        raise ConnectorError("Todoist answered without the user; nothing was saved")
    account = sanitize(body.get("email") or body.get("id") or "", limit=200)
    if not account:
        raise ConnectorError("Todoist answered without the user's id; nothing was saved")
    return account


def authorize(
    http: httpx2.Client,
    *,
    timeout: float,
    browser: Callable[[str], None] = oauth.open_browser,
) -> dict[str, Any]:
    """The OAuth dance: system browser, loopback redirect, PKCE S256, state checked."""
    raw_port = setting(NAME, "redirect_port", str(DEFAULT_REDIRECT_PORT))
    try:
        port = int(raw_port or DEFAULT_REDIRECT_PORT)
    except ValueError:
        raise ConnectorError(f"the Todoist redirect port is not a number: {raw_port!r}") from None
    with oauth.Listener(port) as listener:
        client = _oauth_client(
            http, redirect_uri=listener.redirect_uri, code_challenge_method="S256"
        )
        verifier = random_tokens.token_urlsafe(64)
        url, state = client.create_authorization_url(
            f"{oauth_url()}/authorize", code_verifier=verifier
        )
        listener.expect(state)
        browser(url)
        code = listener.wait(state, timeout)
    try:
        token = client.fetch_token(
            f"{oauth_url()}/access_token",
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            redirect_uri=listener.redirect_uri,
        )
    except Exception as exc:
        raise _oauth_failure(exc, "the authorization code") from None
    return {**dict(token), "kind": "oauth"}


def personal_token(text: str) -> dict[str, Any]:
    token = text.strip()
    if not token or any(c.isspace() for c in token) or len(token) > 4096:
        raise ConnectorError(
            "the token read from stdin is empty or not one word; nothing was saved"
        )
    return {"access_token": token, "token_type": "Bearer", "kind": "personal"}


def _expired(secret: dict[str, Any], now: datetime) -> bool:
    expires_at = secret.get("expires_at")
    if not isinstance(expires_at, int | float):
        return False
    return float(expires_at) - REFRESH_LEEWAY_S <= now.timestamp()


class TodoistConnector:
    name = NAME
    scopes: tuple[str, ...] = SCOPES
    freshness_target = timedelta(minutes=15)
    connect_flow = ConnectFlow(
        "browser sign-in (OAuth 2 with PKCE), or a personal API token with --token-stdin",
        stdin="with --token-stdin",
        browser=True,
    )
    consent = ConsentText(
        NAME,
        1,
        reads="your Todoist tasks and completed tasks (read-only scope data:read).",
        keeps="task ids, due dates, priorities, labels and project ids, and the few todo "
        "tips made from your most pressing tasks (with their titles). No other task text.",
        sends="nothing with a local model; with a cloud model only counts and categories "
        "(redacted), unless you consent to full text separately.",
    )
    privacy = (
        "Its token is in your OS keyring. oO keeps task ids, due dates, priorities, labels,"
        " project ids and at most ten todo tips with their task titles."
    )

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    # Connecting ----------------------------------------------------------------------------

    def connect(self, client: httpx2.Client, setup: Setup) -> Connected:
        """A personal token from stdin (--token-stdin), else the OAuth dance in the browser."""
        if setup.argument is not None:
            raise ConnectorError(
                f"`oo connect {NAME}` takes no path or URL; see `oo connect --help`"
            )
        if setup.token_stdin:
            secret = personal_token(setup.read_secret("Paste your Todoist API token"))
            method = "personal_token"
        else:
            secret = authorize(client, timeout=setup.timeout)
            method = "oauth"
        return Connected(account_of(client, secret), secret, method)

    # The token -----------------------------------------------------------------------------

    def prepare(self, client: httpx2.Client, state: State) -> State:
        """Refresh an expiring OAuth token; one process at a time, saving the rotated one."""
        if state.secret.get("kind") != "oauth" or not _expired(state.secret, state.now):
            return state
        return self._refresh(client, state, rejected=None)

    def _refresh(self, client: httpx2.Client, state: State, *, rejected: str | None) -> State:
        """Refresh the token under the shared lock. `rejected` is an access token Todoist
        answered 401 to: refresh even if it looks valid, unless another process already
        replaced it."""
        try:
            with _token_lock():
                # Another process may have refreshed while this one waited for the lock.
                current = secrets.load(NAME, state.account, install=state.install) or state.secret
                if rejected is None and not _expired(current, state.now):
                    return replace(state, secret=current)
                if rejected is not None and current.get("access_token") != rejected:
                    return replace(state, secret=current)
                refresh = current.get("refresh_token")
                if not refresh:
                    raise ReconnectNeeded(
                        f"reconnect needed: the Todoist token expired; run `oo connect {NAME}`"
                    )
                oauth_client = _oauth_client(client, token=current)
                try:
                    token = oauth_client.refresh_token(
                        f"{oauth_url()}/access_token", refresh_token=refresh
                    )
                except Exception as exc:
                    raise _oauth_failure(exc, "a token refresh") from None
                fresh = {**dict(token), "kind": "oauth"}
                secrets.save(NAME, state.account, fresh, install=state.install)
                return replace(state, secret=fresh)
        except Timeout:
            raise ConnectorError(
                "another oO process is refreshing the Todoist token; try again in a minute"
            ) from None

    def revoke(self, client: httpx2.Client, state: State) -> None:
        if state.secret.get("kind") != "oauth":
            raise ConnectorError(
                "a personal API token cannot be revoked by oO: reset it in Todoist under"
                " Settings, Integrations, Developer"
            )
        oauth_client = _oauth_client(client)
        try:
            response = oauth_client.revoke_token(
                f"{api_url()}/revoke",
                token=state.secret.get("access_token"),
                token_type_hint="access_token",  # noqa: S106 (a hint name, not a secret)
            )
        except Exception as exc:
            raise _oauth_failure(exc, "the revocation") from None
        if response.status_code >= 400:
            raise ConnectorError(f"Todoist did not revoke the token (HTTP {response.status_code})")

    # The pull ------------------------------------------------------------------------------

    def _pages(
        self, client: httpx2.Client, state: State, path: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            query = {**params, "limit": PAGE_LIMIT}
            if cursor:
                query["cursor"] = cursor
            response = send(
                client,
                "GET",
                f"{api_url()}/{path}",
                what=WHAT,
                sleep=self.sleep,
                headers=_bearer(state),
                params=query,
            )
            if response.status_code == 401 and _refreshable(state):
                raise _Rejected
            check(response, what=WHAT, source=NAME)
            body = json_body(response, what=WHAT)
            results = body.get(key) if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise ConnectorError(
                    f"Todoist answered without the {key!r} list; nothing was changed"
                )
            found.extend(checked_page(results, completed=key == "items"))
            cursor = body.get("next_cursor")
            if cursor is not None and not isinstance(cursor, str):
                raise _shape_error(f"its next_cursor is {type(cursor).__name__}, not text")
            if not cursor:
                return found
        raise ConnectorError("Todoist kept paging past 200,000 tasks; nothing was changed")

    def pull(self, client: httpx2.Client, state: State) -> Pull:
        try:
            return self._pull(client, state)
        except _Rejected:
            # Todoist refused an access token that looked valid: refresh once, retry once.
            state = self._refresh(client, state, rejected=state.secret.get("access_token"))
        try:
            return self._pull(client, state)
        except _Rejected:
            raise ReconnectNeeded(
                "reconnect needed: Todoist refused the refreshed token (HTTP 401);"
                f" run `oo connect {NAME}`"
            ) from None

    def _pull(self, client: httpx2.Client, state: State) -> Pull:
        tasks = self._pages(client, state, "tasks", "results")
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        completed = self._pages(
            client,
            state,
            "tasks/completed/by_completion_date",
            "items",
            since=(state.now - COMPLETED_WINDOW).astimezone(UTC).strftime(stamp),
            until=state.now.astimezone(UTC).strftime(stamp),
        )
        return build(tasks, completed, state.now)


class _Rejected(Exception):
    """Todoist answered 401 to an OAuth access token that can be refreshed."""


def _refreshable(state: State) -> bool:
    return state.secret.get("kind") == "oauth" and bool(state.secret.get("refresh_token"))


# The documented shape of a task (API v1): field -> the types it may have. `id` is required
# (for completed tasks, `id` or `task_id`); the others may be missing or null.
_FIELDS: dict[str, tuple[type, ...]] = {
    "content": (str,),
    "priority": (int,),
    "checked": (bool,),
    "is_deleted": (bool,),
    "due": (dict,),
    "labels": (list,),
    "project_id": (str, int),
    "completed_at": (str,),
}


def _shape_error(problem: str) -> ConnectorError:
    return ConnectorError(
        f"Todoist sent a page that does not match its documented shape ({problem});"
        " nothing was changed"
    )


def checked_page(results: list[Any], *, completed: bool) -> list[dict[str, Any]]:
    """The page's tasks, or a ConnectorError naming the first that breaks the documented
    shape: a page of tasks without ids is never read as an empty account."""
    for n, row in enumerate(results, 1):
        if not isinstance(row, dict):
            raise _shape_error(f"task {n} is {type(row).__name__}, not an object")
        ids = (row.get("id"), row.get("task_id")) if completed else (row.get("id"),)
        if all(_id(value) is None for value in ids):
            raise _shape_error(f"task {n} has no id")
        for name, kinds in _FIELDS.items():
            value = row.get(name)
            if value is None:
                continue
            wrong = not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
            if wrong:
                raise _shape_error(f"task {n} has a {type(value).__name__} {name}")
        due_date = row["due"].get("date") if isinstance(row.get("due"), dict) else None
        if row.get("due") is not None and not isinstance(due_date, str):
            raise _shape_error(f"task {n} has a due without a date")
    return results


# Turning tasks into derivatives and tips (pure, so property tests can feed it anything) ------


def parse_due(value: object) -> tuple[str, bool, date, datetime | None] | None:
    """Todoist's `due.date` in its three forms: a date, a floating local time, a UTC time.

    Returns (stored value, has time, local date, local time) or None if unreadable.
    """
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return value, False, day, None
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # A floating time (no zone) is in the person's local zone.
    local = moment.astimezone() if moment.tzinfo else moment.replace(tzinfo=None).astimezone()
    return iso(local), True, local.date(), local


def _id(value: object) -> str | None:
    if isinstance(value, str) and value and len(value) <= 64:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _priority(value: object) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4 else 1
    )


def _labels(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v)[:64] for v in value if isinstance(v, str | int))[:20]


_SPACE = re.compile(r"\s+")


def tip_text(title: object, reason: str) -> str:
    """`Finish “TITLE”: REASON.` in at most 140 characters, one line, no exclamation marks."""
    clean = sanitize(title if isinstance(title, str) else "")
    clean = _SPACE.sub(" ", clean.replace("!", "").replace("“", '"'))
    clean = clean.replace("”", '"').strip() or "your task"
    frame = f"Finish “”: {reason}."
    room = MAX_TIP - len(frame)
    if len(clean) > room:
        clean = clean[: room - 1].rstrip() + "…"
    return f"Finish “{clean}”: {reason}."


def _reason(overdue_days: int, due_today: bool, urgent: bool, at: datetime | None) -> str:
    if overdue_days == 1:
        return "it was due yesterday"
    if overdue_days > 1:
        return f"it is {overdue_days} days overdue"
    if due_today and at is not None:
        return f"it is due today at {at:%H:%M}"
    if due_today:
        return "it is due today"
    return "you marked it urgent"


def _end_of_day(now: datetime) -> datetime:
    local = now.astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + timedelta(days=1)).astimezone(UTC)


def build(tasks: list[dict[str, Any]], completed: list[dict[str, Any]], now: datetime) -> Pull:
    today = now.astimezone().date()
    items: dict[str, Item] = {}
    ranked: list[tuple[tuple[int, int, str], Candidate]] = []
    for task in tasks:
        task_id = _id(task.get("id"))
        if task_id is None or task.get("checked") is True or task.get("is_deleted") is True:
            continue
        due_obj = task.get("due")
        due = parse_due(due_obj.get("date")) if isinstance(due_obj, dict) else None
        priority = _priority(task.get("priority"))
        project = _id(task.get("project_id"))
        items[task_id] = Item(
            item_id=task_id,
            kind="task",
            due=due[0] if due else None,
            due_has_time=due[1] if due else False,
            priority=priority,
            labels=_labels(task.get("labels")),
            project_id=project,
        )
        overdue_days = max(0, (today - due[2]).days) if due else 0
        due_today = due is not None and due[2] == today
        urgent = priority == 4
        if not (overdue_days or due_today or urgent):
            continue
        text = tip_text(
            task.get("content"),
            _reason(overdue_days, due_today, urgent, due[3] if due and due_today else None),
        )
        features = {
            "overdue_days": overdue_days,
            "due_today": int(due_today),
            "priority": priority,
        }
        # Overdue first (longest first), then due today, then urgent; priority breaks ties.
        rank = 0 if overdue_days else (1 if due_today else 2)
        ranked.append(
            (
                (rank, -overdue_days * 10 - priority, task_id),
                Candidate(task_id, text, features, expires_at=_end_of_day(now)),
            )
        )
    done: list[str] = []
    for task in completed:
        task_id = _id(task.get("id")) or _id(task.get("task_id"))
        if task_id is None or task_id in items:
            continue
        when = task.get("completed_at")
        parsed = parse_due(when) if isinstance(when, str) else None
        items[task_id] = Item(
            item_id=task_id,
            kind="task",
            priority=_priority(task.get("priority")),
            labels=_labels(task.get("labels")),
            project_id=_id(task.get("project_id")),
            completed_at=parsed[0] if parsed else iso(now),
        )
        done.append(task_id)
    ranked.sort(key=lambda pair: pair[0])
    return Pull(
        items=list(items.values()),
        candidates=[c for _, c in ranked[:MAX_CANDIDATES]],
        completed=done,
    )
