"""The built-in tip library: enough tips, in the house style, for every part of the day."""

from __future__ import annotations

import re
from collections import Counter

from oo.engine import library

CATEGORIES = {
    "focus",
    "rest",
    "movement",
    "planning",
    "relationships",
    "learning",
    "mood",
    "sleep",
    "nutrition",
    "home",
    "mindfulness",
    "reflection",
}
VAGUE = re.compile(r"\b(be productive|stay positive|just relax|think positive)\b", re.I)


def test_enough_tips_in_every_category() -> None:
    tips = library.load()
    assert len(tips) >= 150
    per_category = Counter(t.category for t in tips)
    assert all(per_category[c] >= 10 for c in CATEGORIES), per_category


def test_ids_are_unique_and_stable_slugs() -> None:
    ids = [t.id for t in library.load()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)


def test_every_tip_reads_as_one_calm_sentence() -> None:
    for tip in library.load():
        assert 10 <= len(tip.text) <= 120, tip.id
        assert tip.text.endswith("."), tip.id
        assert "!" not in tip.text, tip.id
        assert "http" not in tip.text and not VAGUE.search(tip.text), tip.id
        assert tip.text.count(". ") == 0, tip.id  # one sentence


def test_tags_the_engine_uses_are_valid() -> None:
    for tip in library.load():
        assert set(tip.when) <= {*library.PARTS_OF_DAY, "any"} and tip.when, tip.id
        assert tip.energy in library.ENERGIES, tip.id
        assert 1 <= tip.minutes <= 60, tip.id


def test_every_part_of_day_has_choice_and_nights_are_calm() -> None:
    tips = library.load()
    for part in library.PARTS_OF_DAY:
        assert sum(t.fits(part) for t in tips) >= 15, part
    assert all(t.energy != "high" for t in tips if "night" in t.when)
