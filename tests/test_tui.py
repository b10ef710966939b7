"""The watch face under textual's Pilot: every key, the hint line, live updates, sizes."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from oo.clock import iso, parse_iso
from oo.engine import library, recommender
from oo.store.db import open_store, transaction
from oo.tui.app import HINTS, HINTS_NARROW, NO_TIP, WatchApp, WhyScreen

# A Tuesday afternoon, local time, so `tonight` is still ahead.
AFTERNOON = datetime(2026, 3, 10, 15, 0).astimezone()
FIRST = "Drink a glass of water before the next meeting."
WHY = {"score": 2.5, "reasons": ["+1.0 made for the afternoon", "+1.5 a task from todoist"]}


class FakeClock:
    """The app's clock, moved by the test instead of by sleeping."""

    def __init__(self, start: datetime = AFTERNOON) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def put_tip(
    conn: sqlite3.Connection,
    text: str,
    now: datetime,
    *,
    why: dict[str, object] | None = None,
    lasts: timedelta = timedelta(hours=2),
) -> str:
    """Make `text` the current tip, as the chooser would have stored it."""
    tip_id = f"T{random.getrandbits(64):016x}"
    with transaction(conn):
        conn.execute(
            "UPDATE tips SET status = 'ignored', reacted_at = ? WHERE status = 'current'",
            (iso(now),),
        )
        conn.execute(
            "INSERT INTO tips (id, text, kind, category, source, decided_at, expires_at,"
            " policy, propensity, why) VALUES (?, ?, 'advice', 'focus', 'library', ?, ?,"
            " 'rules/1', 0.25, ?)",
            (
                tip_id,
                text,
                iso(now),
                iso(now + lasts),
                json.dumps({**WHY, "candidates": 12} if why is None else why),
            ),
        )
    return tip_id


def status_of(conn: sqlite3.Connection, tip_id: str) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        "SELECT status, later_until FROM tips WHERE id = ?", (tip_id,)
    ).fetchone()
    return row


def current_text(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT text FROM tips WHERE status = 'current'").fetchone()
    return None if row is None else str(row[0])


def run(
    scenario: Callable[..., Awaitable[None]],
    clock: FakeClock | None = None,
    size: tuple[int, int] = (80, 24),
    poll_seconds: float = 60.0,
    failing: bool = False,
) -> WatchApp:
    """Run the app on its own connection (as `oo watch` does) through Pilot."""
    own = open_store()
    app = WatchApp(own, clock=clock or FakeClock(), rng=random.Random(7), poll_seconds=poll_seconds)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(app, pilot)

    try:
        asyncio.run(main())
    finally:
        own.close()
        assert (app.failure is not None) == failing, app.failure
    return app


def test_the_current_tip_is_on_a_black_screen_with_hints(conn: sqlite3.Connection) -> None:
    put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert app.tip_text == FIRST
        assert app.hint_text == HINTS
        assert not app.hint_faded
        assert app.screen.styles.background.rgb == (0, 0, 0)
        assert "Drink a glass of water" in _screen_text(app)

    run(scenario)
    assert conn.execute("SELECT shown_at FROM tips WHERE text = ?", (FIRST,)).fetchone()[0]


@pytest.mark.parametrize(("key", "status"), [("d", "done"), ("u", "useful"), ("x", "dismissed")])
def test_a_reaction_key_records_it_and_the_next_tip_appears(
    conn: sqlite3.Connection, key: str, status: str
) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press(key)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert status_of(conn, tip_id)["status"] == status
        assert app.tip_text != FIRST
        assert app.tip_text == current_text(conn)

    run(scenario)


def test_the_next_tip_fades_in(conn: sqlite3.Connection) -> None:
    from textual import events

    put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        tip = app.query_one("#tip")
        app.on_key(events.Key("d", "d"))  # as delivered, without Pilot waiting for the fade
        assert app.tip_text != FIRST
        assert tip.styles.opacity < 1
        assert app.animator.is_being_animated(tip.styles, "opacity")
        await pilot.pause(0.5)  # type: ignore[attr-defined]
        assert tip.styles.opacity == 1

    run(scenario)


@pytest.mark.parametrize(
    ("key", "until"),
    [
        ("1", AFTERNOON + timedelta(hours=1)),
        ("t", AFTERNOON.replace(hour=20)),
        ("m", (AFTERNOON + timedelta(days=1)).replace(hour=9)),
    ],
)
def test_later_then_a_choice_puts_the_tip_off_until_then(
    conn: sqlite3.Connection, key: str, until: datetime
) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("l")  # type: ignore[attr-defined]
        assert "1 one hour" in app.hint_text
        assert "t tonight" in app.hint_text
        assert "m tomorrow" in app.hint_text
        assert status_of(conn, tip_id)["status"] == "current"
        await pilot.press(key)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.tip_text != FIRST
        assert app.hint_text == HINTS

    run(scenario)
    row = status_of(conn, tip_id)
    assert row["status"] == "later"
    assert parse_iso(row["later_until"]) == until


def test_later_tonight_in_the_evening_says_so_calmly(conn: sqlite3.Connection) -> None:
    evening = AFTERNOON.replace(hour=21)
    tip_id = put_tip(conn, FIRST, evening)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("l", "t")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.is_running
        assert "already evening" in app.hint_text
        assert app.tip_text == FIRST
        assert "already evening" in _screen_text(app)

    run(scenario, FakeClock(evening), size=(40, 10))
    assert status_of(conn, tip_id)["status"] == "current"


def test_any_other_key_after_later_changes_nothing(conn: sqlite3.Connection) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("l", "escape")  # type: ignore[attr-defined]
        assert app.is_running
        assert app.hint_text == HINTS
        await pilot.press("l", "z")  # type: ignore[attr-defined]
        assert app.is_running
        assert app.tip_text == FIRST

    run(scenario)
    assert status_of(conn, tip_id)["status"] == "current"


def test_why_shows_the_reasons_and_any_key_closes_it(conn: sqlite3.Connection) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("w")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert isinstance(app.screen, WhyScreen)
        shown = _screen_text(app)
        assert "+1.0 made for the afternoon" in shown
        assert "+1.5 a task from todoist" in shown
        assert "12 candidates" in shown
        assert "25%" in shown
        assert "rules/1" in shown
        await pilot.press("d")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert not isinstance(app.screen, WhyScreen)
        assert app.tip_text == FIRST

    run(scenario)
    assert status_of(conn, tip_id)["status"] == "current"  # the key only closed the overlay


@pytest.mark.parametrize("key", ["q", "escape", "ctrl+c"])
def test_q_escape_and_ctrl_c_quit(conn: sqlite3.Connection, key: str) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press(key)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert not app.is_running

    app = run(scenario)
    assert app.return_code == 0
    assert status_of(conn, tip_id)["status"] == "current"


def test_hints_fade_after_a_few_seconds_and_come_back_on_any_key(
    conn: sqlite3.Connection,
) -> None:
    put_tip(conn, FIRST, AFTERNOON)
    clock = FakeClock()

    async def scenario(app: WatchApp, pilot: object) -> None:
        clock.advance(2)
        app.tick()
        assert not app.hint_faded
        clock.advance(3)
        app.tick()
        assert app.hint_faded
        await pilot.press("z")
        assert not app.hint_faded
        assert app.hint_text == HINTS
        assert app.tip_text == FIRST

    run(scenario, clock)


def test_the_face_follows_a_reaction_made_in_another_terminal(conn: sqlite3.Connection) -> None:
    """The real poll timer notices a change committed by another connection."""
    tip_id = put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert app.tip_text == FIRST
        _, following = recommender.react(conn, None, "done", now=AFTERNOON)
        assert following is not None
        for _ in range(200):
            if app.tip_text != FIRST:
                break
            await pilot.pause(0.01)  # type: ignore[attr-defined]
        assert app.tip_text == following["text"]
        assert following["text"][:20] in _screen_text(app)

    run(scenario, poll_seconds=0.05)
    assert status_of(conn, tip_id)["status"] == "done"


def test_a_key_pressed_just_after_a_change_elsewhere_acts_on_nothing_unseen(
    conn: sqlite3.Connection,
) -> None:
    put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        newer = put_tip(conn, "Stretch your shoulders for one minute.", AFTERNOON)
        await pilot.press("d")  # type: ignore[attr-defined]
        assert app.tip_text == "Stretch your shoulders for one minute."
        assert "changed" in app.hint_text
        assert status_of(conn, newer)["status"] == "current"
        await pilot.press("d")  # type: ignore[attr-defined]
        assert status_of(conn, newer)["status"] == "done"

    run(scenario)


def test_an_expired_tip_gives_way_to_the_next(conn: sqlite3.Connection) -> None:
    tip_id = put_tip(conn, FIRST, AFTERNOON, lasts=timedelta(minutes=30))
    clock = FakeClock()

    async def scenario(app: WatchApp, pilot: object) -> None:
        clock.advance(31 * 60)
        app.tick()
        assert app.tip_text != FIRST
        assert app.tip_text == current_text(conn)

    run(scenario, clock)
    assert status_of(conn, tip_id)["status"] == "ignored"


def test_with_no_tip_it_says_so_and_shows_one_once_there_is(conn: sqlite3.Connection) -> None:
    _exhaust_library(conn, AFTERNOON)
    assert recommender.recommend(conn, AFTERNOON) is None

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert app.tip_text == NO_TIP
        assert "oo habit add" in _screen_text(app)
        await pilot.press("d")  # type: ignore[attr-defined]
        assert app.is_running
        assert app.hint_text == "nothing to react to yet"
        with transaction(conn):
            conn.execute(
                "INSERT INTO habits (id, name, every, created_at) VALUES"
                " ('H1', 'stretch', 'day', ?)",
                (iso(AFTERNOON - timedelta(days=1)),),
            )
        app.tick()
        assert "stretch" in app.tip_text

    run(scenario)


@pytest.mark.parametrize("size", [(40, 10), (80, 24), (240, 70)])
def test_the_tip_stays_readable_from_small_to_large_terminals(
    conn: sqlite3.Connection, size: tuple[int, int]
) -> None:
    long = (
        "Write the first line of the report before lunch, then close every window "
        "that is not the report."
    )
    put_tip(conn, long, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        tip = app.query_one("#tip")
        region = tip.region
        assert region.width <= 60
        assert region.x >= 1
        assert region.right <= size[0] - 1
        assert region.height >= 2  # wrapped, not cut
        lines = [line.strip() for line in _screen_text(app).splitlines() if line.strip()]
        assert " ".join(lines[:-1]) == long  # every word on screen, hints on the last line
        assert app.hint_text == (HINTS if size[0] >= 60 else HINTS_NARROW)
        assert lines[-1] == app.hint_text  # whole, not cut
        await pilot.press("l")  # type: ignore[attr-defined]
        assert _screen_text(app).split("\n")[-1].strip() == app.hint_text
        assert "t tonight" in app.hint_text

    run(scenario, size=size)


def test_the_hints_follow_a_resize(conn: sqlite3.Connection) -> None:
    put_tip(conn, FIRST, AFTERNOON)

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert app.hint_text == HINTS
        await pilot.resize_terminal(40, 10)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.hint_text == HINTS_NARROW
        assert _screen_text(app).split("\n")[-1].strip() == HINTS_NARROW
        await pilot.resize_terminal(240, 70)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.hint_text == HINTS
        assert app.tip_text == FIRST

    run(scenario, size=(100, 30))


@pytest.mark.parametrize("no_color", [False, True])
def test_only_greys_are_used(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    put_tip(conn, FIRST, AFTERNOON)
    seen: set[tuple[int, int, int]] = set()

    async def scenario(app: WatchApp, pilot: object) -> None:
        assert app.no_color == no_color
        seen.update(_colours(app))
        await pilot.press("w")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        seen.update(_colours(app))

    run(scenario)
    assert (0, 0, 0) in seen
    assert len(seen) >= 3  # black, the tip's grey, the hints' darker grey
    assert all(r == g == b for r, g, b in seen), seen


def _colours(app: WatchApp) -> set[tuple[int, int, int]]:
    """Every foreground and background colour on the screen, after textual's filters."""
    found: set[tuple[int, int, int]] = set()
    for line in app.screen._compositor.render_strips():
        strip = line
        for filt in app._filters:
            strip = strip.apply_filter(filt, app.screen.styles.background)
        for segment in strip:
            style = segment.style
            for colour in (style and (style.color, style.bgcolor)) or ():
                if colour is not None and colour.triplet is not None:
                    found.add((colour.triplet.red, colour.triplet.green, colour.triplet.blue))
    return found


def _screen_text(app: WatchApp) -> str:
    """What a person reads on the screen, line by line."""
    strips = app.screen._compositor.render_strips()  # the composed screen, as the terminal gets it
    return "\n".join(strip.text for strip in strips)


def _exhaust_library(conn: sqlite3.Connection, now: datetime) -> None:
    """Every library tip was dismissed today, so the chooser has nothing to suggest."""
    with transaction(conn):
        for n, tip in enumerate(library.load()):
            conn.execute(
                "INSERT INTO tips (id, text, kind, category, source, library_id, decided_at,"
                " expires_at, status, reacted_at, policy, propensity) VALUES (?, ?, 'advice',"
                " ?, 'library', ?, ?, ?, 'dismissed', ?, 'rules/1', 1.0)",
                (f"X{n:04d}", tip.text, tip.category, tip.id, iso(now), iso(now), iso(now)),
            )


def test_an_unexpected_error_ends_the_face_quietly_for_oo_watch_to_report(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_tip(conn, FIRST, AFTERNOON)

    def broken(*_: object) -> dict[str, object]:
        raise RuntimeError("the reasons could not be read")

    monkeypatch.setattr("oo.tui.app.explain", broken)

    async def scenario(app: WatchApp, pilot: object) -> None:
        await pilot.press("w")  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="could not be read"):  # Pilot re-raises it
        run(scenario, failing=True)


def test_oo_watch_without_a_terminal_says_so_in_one_line(oo: Callable[..., object]) -> None:
    done = oo("watch")
    assert done.returncode == 2  # type: ignore[attr-defined]
    assert done.stdout == ""  # type: ignore[attr-defined]
    assert done.stderr == "oo: `oo watch` needs a terminal; use `oo tip` in scripts\n"  # type: ignore[attr-defined]


def test_why_explains_a_tip_the_recommender_chose(conn: sqlite3.Connection) -> None:
    from oo.engine.why import explain
    from oo.errors import OOError

    tip = recommender.recommend(conn, AFTERNOON, random.Random(3))
    assert tip is not None
    why = explain(conn, tip["id"])
    assert why["reasons"]
    assert all(isinstance(reason, str) for reason in why["reasons"])
    assert why["propensity"] == tip["propensity"]
    assert why["policy"] == tip["policy"]
    assert why["candidates"] >= 1
    with pytest.raises(OOError, match="no tip with id"):
        explain(conn, "nope")
