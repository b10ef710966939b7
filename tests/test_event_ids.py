"""Event ids are ULIDs (https://github.com/ulid/spec), checked against python-ulid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from ulid import ULID

from oo.store.events import new_id


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2400, 1, 1)))
def test_an_event_id_is_a_ulid_for_its_time(moment: datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    event_id = new_id(now)
    parsed = ULID.from_str(event_id)
    assert str(parsed) == event_id
    assert parsed.milliseconds == int(now.timestamp() * 1000)


def test_ids_sort_by_time_and_never_repeat() -> None:
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    ids = [new_id(start + timedelta(milliseconds=i)) for i in range(500)]
    assert ids == sorted(ids)
    assert len(set(new_id(start) for _ in range(1000))) == 1000


def test_ids_for_the_same_moment_keep_the_order_they_were_made_in() -> None:
    # One command writes a reaction and the next decision at the same `now`.
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    ids = [new_id(now) for _ in range(200)]
    assert ids == sorted(ids)
