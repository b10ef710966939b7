"""The built-in tip library: data shipped as a package resource (`oo/data/tips.toml`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from oo.engine import parts

PARTS_OF_DAY = parts.NAMES
ENERGIES = ("low", "medium", "high")
PLACES = ("indoors", "outdoors", "any")
# Tags the candidate rules read (see `oo.engine.candidates.fits_now`).
MEALTIME = "mealtime"
BEFORE_MEETING = "before-meeting"


@dataclass(frozen=True)
class LibraryTip:
    id: str
    text: str
    category: str
    when: tuple[str, ...]
    energy: str
    minutes: int
    place: str
    tags: tuple[str, ...]

    def fits(self, part_of_day: str) -> bool:
        return "any" in self.when or part_of_day in self.when


@cache
def load() -> tuple[LibraryTip, ...]:
    raw = resources.files("oo").joinpath("data/tips.toml").read_text(encoding="utf-8")
    return tuple(
        LibraryTip(
            id=item["id"],
            text=item["text"],
            category=item["category"],
            when=tuple(item["when"]),
            energy=item["energy"],
            minutes=int(item["minutes"]),
            place=item["place"],
            tags=tuple(item.get("tags", ())),
        )
        for item in tomllib.loads(raw)["tip"]
    )
