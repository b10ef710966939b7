"""A loopback Todoist server for tests and benchmarks, speaking the documented API v1 shapes:
OAuth authorize/access_token (PKCE S256, rotating refresh tokens), revoke, user, tasks with
cursor pagination, completed tasks by completion date, and the faults a client must survive.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "oo-test-client"
CLIENT_SECRET = "oo-test-secret"


def task(n: int, **extra: Any) -> dict[str, Any]:
    """A task as API v1 returns it, with fields oO ignores."""
    body: dict[str, Any] = {
        "id": f"6X{n:08d}",
        "user_id": "2671355",
        "project_id": "6Jf8VQXxpwv56VQ7",
        "section_id": None,
        "parent_id": None,
        "added_by_uid": "2671355",
        "assigned_by_uid": None,
        "responsible_uid": None,
        "labels": [],
        "deadline": None,
        "duration": None,
        "checked": False,
        "is_deleted": False,
        "added_at": "2025-01-01T10:00:00.000000Z",
        "completed_at": None,
        "updated_at": "2025-01-01T10:00:00.000000Z",
        "due": None,
        "priority": 1,
        "child_order": n,
        "content": f"Task number {n}",
        "description": "",
        "note_count": 0,
        "day_order": -1,
        "is_collapsed": False,
        "a_field_added_later": {"nested": [1, 2]},
    }
    body.update(extra)
    return body


def due(date: str, *, recurring: bool = False) -> dict[str, Any]:
    return {
        "date": date,
        "is_recurring": recurring,
        "string": date,
        "lang": "en",
        "timezone": "UTC" if date.endswith("Z") else None,
    }


@dataclass
class State:
    tasks: list[dict[str, Any]] = field(default_factory=list)
    completed: list[dict[str, Any]] = field(default_factory=list)
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "id": "2671355",
            "email": "person@example.com",
            "full_name": "A Person",
        }
    )
    # access token -> expiry (epoch s); refresh tokens that are still valid
    access: dict[str, float] = field(default_factory=dict)
    refresh: set[str] = field(default_factory=set)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (challenge, redirect)
    revoked: list[str] = field(default_factory=list)
    expires_in: int = 3600
    # Faults: "429" (once, with Retry-After), "503" (once, with Retry-After), "503-bare" (no
    # Retry-After), "500", "slow", "html", "missing", "revoke-500", and pages off the
    # documented shape: "no-ids" (tasks without `id`), "wrong-types" (priority as text)
    faults: set[str] = field(default_factory=set)
    retry_after: float = 1
    slow_s: float = 3
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    seen_auth: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = time.time() + self.expires_in
        self.refresh.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "expires_in": self.expires_in,
        }

    def personal(self, token: str) -> None:
        self.access[token] = float("inf")


class Handler(BaseHTTPRequestHandler):
    server: TodoistServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes | str):
            data = body.encode() if isinstance(body, str) else body
            kind = "text/html; charset=utf-8"
        else:
            data = json.dumps(body).encode()
            kind = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if "json" in (self.headers.get("Content-Type") or ""):
            return {k: str(v) for k, v in json.loads(raw or "{}").items()}
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def _authorized(self) -> bool:
        st = self.server.state
        header = self.headers.get("Authorization") or ""
        token = header.removeprefix("Bearer ")
        st.seen_auth.append(token)
        expiry = st.access.get(token)
        return expiry is not None and expiry > time.time()

    def do_GET(self) -> None:
        st = self.server.state
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with st.lock:
            st.requests.append(("GET", parts.path))
        if parts.path == "/oauth/authorize":
            return self._authorize(query)
        if "slow" in st.faults:
            time.sleep(st.slow_s)
        if "429" in st.faults:
            st.faults.discard("429")
            return self._send(
                429,
                {"error": "Too many requests", "error_extra": {"retry_after": st.retry_after}},
                {"Retry-After": f"{st.retry_after:g}"},
            )
        if "503" in st.faults:
            st.faults.discard("503")
            return self._send(
                503, {"error": "Service unavailable"}, {"Retry-After": f"{st.retry_after:g}"}
            )
        if "503-bare" in st.faults:
            return self._send(503, {"error": "Service unavailable"})
        if "500" in st.faults:
            return self._send(500, {"error": "Internal error"})
        if "html" in st.faults:
            return self._send(200, "<!doctype html><title>Maintenance</title><p>Back soon")
        if not self._authorized():
            return self._send(401, {"error": "Unauthorized", "http_code": 401})
        if parts.path == "/api/v1/user":
            return self._send(200, st.user)
        if parts.path == "/api/v1/tasks":
            return self._page(st.tasks, query, "results")
        if parts.path == "/api/v1/tasks/completed/by_completion_date":
            if "since" not in query or "until" not in query:
                return self._send(400, {"error": "since and until are required"})
            return self._page(st.completed, query, "items")
        return self._send(404, {"error": "Not found"})

    def _page(self, rows: list[dict[str, Any]], query: dict[str, str], key: str) -> None:
        st = self.server.state
        limit = min(int(query.get("limit", 50)), 200)
        start = int(query.get("cursor") or 0)
        chunk = rows[start : start + limit]
        following = str(start + limit) if start + limit < len(rows) else None
        if "missing" in st.faults:
            return self._send(200, {"next_cursor": None})
        if "no-ids" in st.faults:
            chunk = [{k: v for k, v in row.items() if k != "id"} for row in chunk]
        if "wrong-types" in st.faults:
            chunk = [{**row, "priority": str(row.get("priority"))} for row in chunk]
        self._send(200, {key: chunk, "next_cursor": following})

    def _authorize(self, query: dict[str, str]) -> None:
        st = self.server.state
        if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
            return self._send(400, {"error": "invalid_request"})
        redirect = query["redirect_uri"]
        code = secrets.token_urlsafe(16)
        st.codes[code] = (query["code_challenge"], redirect)
        target = redirect + "?" + urlencode({"code": code, "state": query.get("state", "")})
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        st = self.server.state
        parts = urlsplit(self.path)
        with st.lock:
            st.requests.append(("POST", parts.path))
        form = self._form()
        if parts.path == "/oauth/access_token":
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                return self._send(401, {"error": "invalid_client"})
            if form.get("grant_type") == "authorization_code":
                entry = st.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if entry is None or entry[0] != challenge:
                    return self._send(400, {"error": "invalid_grant"})
                return self._send(200, st.issue())
            if form.get("grant_type") == "refresh_token":
                token = form.get("refresh_token", "")
                if token not in st.refresh:
                    return self._send(400, {"error": "invalid_grant"})
                st.refresh.discard(token)  # rotation: a refresh token works once
                return self._send(200, st.issue())
            return self._send(400, {"error": "unsupported_grant_type"})
        if parts.path == "/api/v1/revoke":
            if "revoke-500" in st.faults:
                return self._send(500, {"error": "Internal error"})
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                return self._send(401, {"error": "invalid_client"})
            token = form.get("token", "")
            st.access.pop(token, None)
            st.revoked.append(token)
            return self._send(200, {})
        return self._send(404, {"error": "Not found"})


class TodoistServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self) -> dict[str, str]:
        """Settings that point oO at this server."""
        return {
            "OO_TODOIST_API_URL": f"{self.base}/api/v1",
            "OO_TODOIST_OAUTH_URL": f"{self.base}/oauth",
            "OO_TODOIST_CLIENT_ID": CLIENT_ID,
            "OO_TODOIST_CLIENT_SECRET": CLIENT_SECRET,
            "OO_TODOIST_REDIRECT_PORT": "0",
        }

    def __enter__(self) -> TodoistServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
