"""The watch face: a black screen with the current tip on it, and nothing else.

No business logic lives here: the tip comes from `recommender.recommend`, reactions go through
`recommender.react`, `later` times through `later.parse_later`, reasons through `why.explain`.
The app notices changes made elsewhere (another terminal, a notification, the daemon) by
polling `PRAGMA data_version`, which costs no disk read while nothing changes.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import ModalScreen
from textual.widgets import Static

from oo import clock as oo_clock
from oo.clock import parse_iso
from oo.engine import recommender
from oo.engine.later import parse_later
from oo.engine.tips import TABLE
from oo.engine.why import explain
from oo.errors import OOError
from oo.text import sanitize

Clock = Callable[[], datetime]

HINT_SECONDS = 4.0
POLL_SECONDS = 0.5
EMPTY_RECHECK = timedelta(minutes=1)
FADE_IN_SECONDS = 0.35
NARROW = 60

NO_TIP = "No tip yet. Add a habit with `oo habit add NAME` and one will appear here."
HINTS = "d done · u useful · l later · x dismiss · w why · q quit"
HINTS_NARROW = "d done · u useful · l later · x dismiss"
LATER_HINTS = "later:  1 one hour · t tonight · m tomorrow · esc never mind"
LATER_HINTS_NARROW = "1 one hour · t tonight · m tomorrow"
# Keys come from the table of reactions; `later` first asks when.
REACTION_KEYS: dict[str, str] = {
    r.key: r.name for r in TABLE if r.key is not None and r.name != "later"
}
LATER_KEY: str = next(r.key or "l" for r in TABLE if r.name == "later")
LATER_KEYS = {"1": "1h", "t": "tonight", "m": "tomorrow"}
QUIT_KEYS = {"q", "escape"}


class WhyScreen(ModalScreen[None]):
    """The tip's reasons over the face; any key closes it."""

    def __init__(self, why: dict[str, Any]) -> None:
        super().__init__()
        self._reasons, self._facts = why_lines(why)

    def compose(self) -> ComposeResult:
        with Container(id="why-box"):
            yield Static("Why this tip", id="why-title", markup=False)
            yield Static("\n".join(self._reasons), id="why-reasons", markup=False)
            yield Static("\n".join(self._facts), id="why-facts", markup=False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss()


def why_lines(why: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The overlay's reasons, then how the choice was drawn and by which policy."""
    reasons = [str(r) for r in why.get("reasons", [])] or ["no reasons were recorded"]
    drawn = []
    if "score" in why:
        drawn.append(f"score {why['score']}")
    if "candidates" in why:
        drawn.append(f"picked from {why['candidates']} candidates")
    if why.get("propensity") is not None:
        drawn.append(f"with a {why['propensity']:.0%} chance")
    facts = [", ".join(drawn)] if drawn else []
    facts.append(f"policy {why.get('policy', 'unknown')}")
    return reasons, facts


class WatchApp(App[None]):
    """One tip, centred on black; a line of hints that fades; keys to react."""

    CSS_PATH = "watch.tcss"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False  # no coloured selection; `oo watch` leaves the mouse to the terminal
    TITLE = "oO"
    # Ctrl+C quits at once, as a person expects of a view with nothing to copy or edit.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+c", "quit", show=False, priority=True)]

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        clock: Clock = oo_clock.now,
        rng: random.Random | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.conn = conn
        self.clock = clock
        self.rng = rng  # None: the recommender draws with its own generator
        self.poll_seconds = poll_seconds
        self.tip: sqlite3.Row | None = None
        self.choosing_later = False
        self._data_version = -1
        self._hint_since = clock()
        self._message: str | None = None
        self._recheck_at = clock()
        self.failure: Exception | None = None

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an unexpected error: the app ends; `oo watch` then says what
        happened in one line, so textual's traceback is dropped (OO_DEBUG=1 keeps it)."""
        self.failure = error
        super()._handle_exception(error)
        if not os.environ.get("OO_DEBUG"):
            self._exit_renderables.clear()

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Container(id="face"):
            yield Static("", id="tip", markup=False)
        yield Static("", id="hint", markup=False)

    def on_mount(self) -> None:
        self.show_current(fade=False)
        self._show_hint()
        self.set_interval(self.poll_seconds, self.tick)

    def on_resize(self, event: events.Resize) -> None:
        self._render_hint(event.size.width)

    @property
    def tip_text(self) -> str:
        return NO_TIP if self.tip is None else sanitize(self.tip["text"])

    @property
    def hint_text(self) -> str:
        return str(self.query_one("#hint", Static).content)

    @property
    def hint_faded(self) -> bool:
        return self.query_one("#hint").has_class("-faded")

    # -- reading the tip --------------------------------------------------------------------

    def _version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def show_current(self, *, fade: bool = True) -> None:
        """Read (or have the recommender choose) the current tip and put it on the face."""
        now = self.clock()
        try:
            row = recommender.recommend(self.conn, now, self.rng)
        except (OOError, sqlite3.Error) as exc:
            self._say(_one_line(exc))
            return
        finally:
            self._data_version = self._version()
        self._put(row, now, fade=fade)

    def _put(self, row: sqlite3.Row | None, now: datetime, *, fade: bool) -> None:
        changed = (row and row["id"]) != (self.tip and self.tip["id"])
        self.tip = row
        self._recheck_at = now + EMPTY_RECHECK
        if row is not None and row["shown_at"] is None:
            recommender.mark_shown(self.conn, row["id"], now)
        tip = self.query_one("#tip", Static)
        tip.set_class(row is None, "-empty")
        tip.update(self.tip_text)
        if changed and fade:
            tip.styles.opacity = 0.0
            tip.styles.animate("opacity", 1.0, duration=FADE_IN_SECONDS)

    def tick(self) -> None:
        """Every poll: fade the hints when their time is up; follow changes made elsewhere."""
        now = self.clock()
        if not self.choosing_later and now - self._hint_since >= timedelta(seconds=HINT_SECONDS):
            self.query_one("#hint").add_class("-faded")
        try:
            changed = self._version() != self._data_version
        except sqlite3.Error:
            return
        if self.tip is None:
            due = now >= self._recheck_at
        else:
            due = now >= parse_iso(self.tip["expires_at"])
        if changed or due:
            self.show_current()

    # -- keys -------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        event.stop()
        key = event.key
        self._message = None
        if self.choosing_later:
            self.choosing_later = False
            if key in LATER_KEYS:
                self._react("later", LATER_KEYS[key])
            self._show_hint()
            return
        if key in QUIT_KEYS:
            self.exit()
        elif key in REACTION_KEYS:
            self._react(REACTION_KEYS[key])
        elif key == LATER_KEY and self._has_tip():
            self.choosing_later = True
        elif key == "w" and self._has_tip():
            self._why()
        self._show_hint()

    def _has_tip(self) -> bool:
        """Before acting on the tip on screen, make sure it is still the current one."""
        shown = self.tip and self.tip["id"]
        if self._version() != self._data_version:
            self.show_current()
            if (self.tip and self.tip["id"]) != shown:
                self._message = "the tip changed elsewhere; this is the new one"
                return False
        if self.tip is None:
            self._message = "nothing to react to yet"
            return False
        return True

    def _react(self, reaction: str, when: str | None = None) -> None:
        if not self._has_tip():
            return
        now = self.clock()
        try:
            until = parse_later(when, now) if when else None
            _, following = recommender.react(
                self.conn, None, reaction, now=now, later_until=until, rng=self.rng
            )
        except (OOError, sqlite3.Error) as exc:
            self._message = _one_line(exc)
            return
        self._data_version = self._version()
        self._put(following, now, fade=True)

    def _why(self) -> None:
        assert self.tip is not None
        try:
            why = explain(self.conn, self.tip["id"])
        except (OOError, sqlite3.Error) as exc:
            self._message = _one_line(exc)
            return
        self.push_screen(WhyScreen(why))

    # -- the hint line ----------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self._message = message
        self._show_hint()

    def _show_hint(self) -> None:
        self._hint_since = self.clock()
        self._render_hint()
        self.query_one("#hint").remove_class("-faded")

    def _render_hint(self, width: int | None = None) -> None:
        narrow = (width or self.size.width) < NARROW
        if self._message:
            text = self._message
        elif self.choosing_later:
            text = LATER_HINTS_NARROW if narrow else LATER_HINTS
        else:
            text = HINTS_NARROW if narrow else HINTS
        self.query_one("#hint", Static).update(text)


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OOError):
        return str(exc)
    from oo import paths
    from oo.store.db import describe_error

    assert isinstance(exc, sqlite3.Error)
    return describe_error(exc, paths.db_path())
