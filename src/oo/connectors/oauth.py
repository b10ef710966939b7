"""OAuth 2 authorization code with PKCE through the system browser and a loopback redirect.

A one-shot listener bound to 127.0.0.1 only waits, with a timeout, for the browser to come
back; the `state` must match, or the answer is rejected and nothing is saved.
"""

from __future__ import annotations

import http.server
import queue
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from oo.connectors.base import ConnectorError
from oo.text import sanitize

CALLBACK_PATH = "/callback"
PAGE = (
    "<!doctype html><meta charset=utf-8><title>oO</title>"
    "<body style='background:#000;color:#ddd;font:18px sans-serif;padding:3em'>{}</body>"
)


@dataclass(frozen=True)
class Callback:
    code: str | None
    state: str | None
    error: str | None


class Listener:
    """An HTTP server on 127.0.0.1 that takes one callback on CALLBACK_PATH."""

    def __init__(self, port: int = 0) -> None:
        answers: queue.Queue[Callback] = queue.Queue()
        self.answers = answers
        # The state of the sign-in in progress: the page tells the browser whether it matched.
        self.expected_state: str | None = None
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                query = parse_qs(parts.query)

                def one(key: str) -> str | None:
                    values = query.get(key)
                    return values[0] if values else None

                answer = Callback(one("code"), one("state"), one("error"))
                answers.put(answer)
                expected = listener.expected_state
                if expected is None or answer.state != expected:
                    text = (
                        "oO was not connected: this answer does not match the sign-in oO"
                        " started (wrong or missing state). Nothing was saved."
                    )
                elif answer.error or not answer.code:
                    text = "oO was not connected: the authorization was refused."
                else:
                    text = (
                        "oO received the authorization and is finishing in your terminal."
                        " You can close this tab."
                    )
                ok = expected is not None and answer.state == expected and answer.code
                body = PAGE.format(text).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the query holds the authorization code: never log it

        try:
            self.server = http.server.HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConnectorError(
                f"cannot listen on 127.0.0.1:{port} for the browser ({exc.strerror});"
                " free the port or set another redirect port"
            ) from None
        self.port = int(self.server.server_address[1])
        self.redirect_uri = f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._stop = threading.Event()

    def _serve(self) -> None:
        self.server.timeout = 0.1
        while not self._stop.is_set():
            self.server.handle_request()

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.server_close()

    def expect(self, state: str) -> None:
        """The state the browser must bring back (set before the browser opens)."""
        self.expected_state = state

    def wait(self, state: str, timeout: float) -> str:
        """The authorization code, once the browser comes back with the right state."""
        self.expected_state = state
        deadline = time.monotonic() + timeout
        remaining = timeout
        while remaining > 0:
            try:
                answer = self.answers.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                remaining = deadline - time.monotonic()
                continue
            if answer.state != state:
                raise ConnectorError(
                    "the browser came back with a wrong or missing state (possible forgery);"
                    " nothing was saved, run the command again"
                )
            if answer.error or not answer.code:
                reason = sanitize(answer.error or "no code", limit=60)
                raise ConnectorError(f"authorization was refused ({reason}); nothing was saved")
            return answer.code
        raise ConnectorError(
            f"no answer from the browser within {timeout:g} s; nothing was saved,"
            " run the command again (or use --token-stdin)"
        )


def open_browser(url: str) -> None:
    """Open the system browser, and say where to go if it does not open."""
    print(
        f"Opening your browser to authorize oO. If it does not open, visit:\n{url}",
        file=sys.stderr,
    )
    opener: Callable[[str], bool] = webbrowser.open
    threading.Thread(target=opener, args=(url,), daemon=True).start()
