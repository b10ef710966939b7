"""How the watch face looks: SVG snapshots (pytest-textual-snapshot), reviewed as PNGs."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator

import pytest

from oo.store.db import open_store
from oo.tui.app import WatchApp
from tests.test_tui import AFTERNOON, FakeClock, put_tip

TIP = "Write the first line of the report before lunch; the rest follows more easily."


@pytest.fixture
def face(conn: sqlite3.Connection) -> Iterator[WatchApp]:
    put_tip(conn, TIP, AFTERNOON)
    own = open_store()
    yield WatchApp(own, clock=FakeClock(), rng=random.Random(7))
    own.close()


def test_face_at_100x30(face: WatchApp, snap_compare: Callable[..., bool]) -> None:
    """The tip centred on black, wrapped at about 60 characters; hints at the bottom."""
    assert snap_compare(face, terminal_size=(100, 30))


def test_face_at_40x10(face: WatchApp, snap_compare: Callable[..., bool]) -> None:
    """The smallest size: the tip wraps to the width and the hints shorten."""
    assert snap_compare(face, terminal_size=(40, 10))


def test_why_overlay(face: WatchApp, snap_compare: Callable[..., bool]) -> None:
    """`w`: the reasons over the face, calm and grey."""
    assert snap_compare(face, press=["w"], terminal_size=(100, 30))
