"""Desktop notifications through desktop-notifier, each call bounded by a timeout.

A notification shows the tip with three buttons, Done, Later and Dismiss; a press calls
back with the tip id and the reaction. Without a notification server the call fails
quietly and `available` says why, so `oo status` can tell the person.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oo.engine.tips import TABLE
from oo.text import sanitize

log = logging.getLogger("oo.daemon")

APP_NAME = "oO"
TITLE = "oO"
SEND_TIMEOUT_S = 5.0
# The buttons come from the table of reactions: (title, reaction name).
BUTTONS = tuple((r.button, r.name) for r in TABLE if r.button is not None)

OnReaction = Callable[[str, str], None]


class _LibraryLog(logging.Handler):
    """desktop-notifier's own log, kept out of the daemon's: it logs a traceback when there
    is no notification server and each notification's text at debug level. Only the type
    of the last failure is kept, for the one line the notifier logs itself."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.failure: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.failure = type(record.exc_info[1]).__name__


def _library_log() -> _LibraryLog:
    library = logging.getLogger("desktop_notifier")
    for handler in library.handlers:
        if isinstance(handler, _LibraryLog):
            return handler
    handler = _LibraryLog()
    library.addHandler(handler)
    library.propagate = False
    return handler


@dataclass
class Availability:
    available: bool | None = None  # None: not tried yet
    detail: str = "not tried yet"


class Notifier:
    """Sends tip notifications and routes button presses to `on_reaction(tip_id, reaction)`.

    Must be used from the daemon's asyncio loop: button presses arrive on it.
    """

    def __init__(self, on_reaction: OnReaction, timeout: float = SEND_TIMEOUT_S) -> None:
        self.on_reaction = on_reaction
        self.timeout = timeout
        self.state = Availability()
        self._notifier: Any = None
        self._library = _library_log()

    def _unavailable(self, detail: str) -> None:
        """Notifications do not work: one log line when that starts or its reason changes,
        not one (with a traceback) every time a tip is due."""
        if self.state.available is not False or self.state.detail != detail:
            log.warning("notifications unavailable: %s; tips stay in `oo tip`", detail)
        self.state = Availability(False, detail)

    def _get(self) -> Any:
        if self._notifier is None:
            # desktop-notifier (and dbus-fast on Linux) load only when a notification is sent.
            from desktop_notifier import DesktopNotifier

            self._notifier = DesktopNotifier(app_name=APP_NAME)
        return self._notifier

    async def show(self, tip_id: str, text: str) -> bool:
        """Show a tip; True when a notification server accepted it within the timeout."""
        from desktop_notifier import Button

        shown = asyncio.Event()
        buttons = [
            Button(title=title, on_pressed=self._pressed(tip_id, reaction))
            for title, reaction in BUTTONS
        ]
        self._library.failure = None
        try:
            notifier = self._get()
            await asyncio.wait_for(
                notifier.send(
                    title=TITLE, message=sanitize(text), buttons=buttons, on_dispatched=shown.set
                ),
                timeout=self.timeout,
            )
        except TimeoutError:
            self._notifier = None  # a fresh connection next time
            self._unavailable(f"the notification server did not answer in {self.timeout:.0f} s")
            return False
        except Exception as exc:  # an unusable platform backend
            self._unavailable(f"notifications failed: {type(exc).__name__}")
            return False
        if shown.is_set():
            if self.state.available is False:
                log.info("notifications work again")
            self.state = Availability(True, "notifications work")
            return True
        self._notifier = None
        failure = self._library.failure
        self._unavailable("no notification server answered" + (f" ({failure})" if failure else ""))
        return False

    def _pressed(self, tip_id: str, reaction: str) -> Callable[[], None]:
        def callback() -> None:
            log.info("button %s pressed for tip %s", reaction, tip_id)
            self.on_reaction(tip_id, reaction)

        return callback
