"""The timing policy: quiet hours, busy calendar, budget, gap, "later", and bounded
exploration; and its settings from config.toml."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oo.daemon import timing
from oo.daemon.timing import Bucket, Moment, NotifySettings
from oo.errors import OOError
from tests.conftest import RunOo

NOON = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as _time

    monkeypatch.setenv("TZ", "UTC")
    _time.tzset()


def moment(**changes: object) -> Moment:
    base = {
        "now": NOON,
        "tip_id": "t1",
        "sent_today": 0,
        "last_sent": None,
        "busy": False,
        "later_waiting": False,
        "already_notified": False,
        "returning": False,
        "points_left": 3,
        "hours": {},
        "weekdays": {},
    }
    base.update(changes)
    return Moment(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"now": NOON.replace(hour=23)}, "quiet-hours"),
        ({"now": NOON.replace(hour=7, minute=59)}, "quiet-hours"),
        ({"busy": True}, "busy"),
        ({"sent_today": 3}, "budget"),
        ({"last_sent": NOON - timedelta(minutes=89)}, "min-gap"),
        ({"later_waiting": True}, "later-waiting"),
        ({"already_notified": True}, "already-notified"),
        ({"tip_id": None}, "no-tip"),
    ],
)
def test_rules_never_send(changes: dict[str, object], reason: str) -> None:
    decision = timing.decide(moment(**changes), NotifySettings(), random.Random(0))
    assert (decision.send, decision.probability, decision.reason) == (False, 0.0, reason)


@given(
    sent=st.integers(0, 2),
    left=st.integers(0, 10),
    tried=st.integers(0, 50),
    good_share=st.floats(0, 1),
)
def test_exploration_stays_within_bounds(
    sent: int, left: int, tried: int, good_share: float
) -> None:
    hours = {12: Bucket(tried, tried * good_share), 9: Bucket(10, 10 - 10 * good_share)}
    m = moment(sent_today=sent, points_left=left, hours=hours, weekdays=hours)
    decision = timing.decide(m, NotifySettings(), random.Random(0))
    assert 0.1 <= decision.probability <= 0.8


def test_hours_that_answer_well_get_a_higher_probability() -> None:
    good = moment(hours={12: Bucket(20, 18)}, points_left=5)
    poor = moment(hours={12: Bucket(20, 2), 9: Bucket(20, 18)}, points_left=5)
    settings = NotifySettings()
    p_good = timing.decide(good, settings, random.Random(0)).probability
    p_poor = timing.decide(poor, settings, random.Random(0)).probability
    assert p_good > p_poor


def test_a_tip_back_from_later_is_sent_with_the_upper_bound() -> None:
    decision = timing.decide(moment(returning=True), NotifySettings(), random.Random(0))
    assert decision.probability == timing.P_MAX
    assert decision.reason == "later-due"


def test_decision_points_are_spread_over_the_waking_day_and_stable() -> None:
    settings = NotifySettings()
    day = NOON.date()
    points = timing.decision_points(day, settings, UTC)
    assert points == timing.decision_points(day, settings, UTC)
    assert len(points) == 2 * settings.daily_budget
    assert all(time(8) <= p.time() < time(22) for p in points)
    assert points == sorted(points)


@given(h1=st.integers(0, 23), m1=st.integers(0, 59), h2=st.integers(0, 23), m2=st.integers(0, 59))
def test_quiet_hours_parse_and_hold(h1: int, m1: int, h2: int, m2: int) -> None:
    start, end = timing.parse_quiet_hours(f"{h1:02d}:{m1:02d}-{h2}:{m2:02d}")
    settings = NotifySettings(quiet_start=start, quiet_end=end)
    at_start = NOON.replace(hour=h1, minute=m1)
    assert timing.in_quiet_hours(at_start, settings) == (start != end)
    for point in timing.decision_points(NOON.date(), settings, UTC):
        assert not timing.in_quiet_hours(point, settings)


@pytest.mark.parametrize("text", ["", "22-08", "25:00-08:00", "22:00-08:61", "night"])
def test_unreadable_quiet_hours_are_one_clear_error(text: str) -> None:
    with pytest.raises(OOError, match="quiet hours"):
        timing.parse_quiet_hours(text)


def test_settings_come_from_config_toml_with_defaults(oo_home: Path) -> None:
    assert NotifySettings.load() == NotifySettings()
    oo_home.mkdir(parents=True)
    (oo_home / "config.toml").write_text(
        '[notify]\nquiet_hours = "23:30-07:00"\ndaily_budget = 5\nmin_gap_minutes = 45\n'
        '[llm]\nmodel = "fast"\n'
    )
    s = NotifySettings.load()
    assert (s.quiet_start, s.quiet_end) == (time(23, 30), time(7, 0))
    assert (s.daily_budget, s.min_gap) == (5, timedelta(minutes=45))
    from oo import config

    assert config.get("llm", "model", "default") == "fast"
    assert config.get("llm", "missing", 3) == 3


def test_a_bad_config_is_refused_by_oo_with_one_line(oo_home: Path, oo: RunOo) -> None:
    """A command refuses it in one line; the daemon logs it and still runs
    (tests/test_daemon_logs.py)."""
    oo_home.mkdir(parents=True)
    (oo_home / "config.toml").write_text('[notify]\ndaily_budget = "three"\n')
    result = oo("config", "get", "notify.daily_budget")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"oo: notify.daily_budget in {oo_home / 'config.toml'} takes a whole number"
    )
    assert len(result.stderr.splitlines()) == 1
