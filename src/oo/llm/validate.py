"""The output contract: what a model's answer must be before any of it becomes a candidate.

An answer is JSON: {"tips": [...]} (a bare list is accepted too). Each tip is an object with
text (1-140 characters, no URLs, markup or control characters), kind (advice or todo),
category (one of context.CATEGORIES), and signal_ids (a subset of the ids it was given; a
todo must name at least one). Anything else is dropped and counted by reason; duplicates
of existing candidates, library tips or each other are dropped too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from oo.llm.context import CATEGORIES, MAX_TEXT, MAX_TIPS


class AnswerError(ValueError):
    """The answer as a whole is not the JSON the contract asks for."""


@dataclass(frozen=True)
class Tip:
    text: str
    kind: str
    category: str
    signal_ids: tuple[str, ...]


@dataclass
class Verdict:
    tips: list[Tip] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    offered: int = 0


_URLISH = re.compile(
    r"(?i)([a-z][a-z0-9+.-]*://|www\.|\b[\w-]+\.(com|net|org|io|ai|dev|app|co|me|ly)\b|@\w)"
)
_MARKUP = re.compile(r"[<>`*_#|\[\]{}\\]|&[a-z]+;|^\s*[-+>]\s")


def normalize(text: str) -> str:
    """The form duplicates are compared in: case, accents, spacing and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c if c.isalnum() else " " for c in decomposed).split())


def _parse(answer: str) -> list[Any]:
    text = answer.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        doc = json.loads(text)
    except ValueError:
        raise AnswerError("the model's answer is not JSON") from None
    if isinstance(doc, dict) and isinstance(doc.get("tips"), list):
        return list(doc["tips"])
    if isinstance(doc, list):
        return doc
    raise AnswerError('the model\'s answer is JSON but has no "tips" list')


def _check(item: Any, given: set[str]) -> Tip | str:
    """The tip, or the reason it is dropped."""
    if not isinstance(item, dict):
        return "not_an_object"
    text, kind, category = item.get("text"), item.get("kind"), item.get("category")
    ids = item.get("signal_ids")
    if not isinstance(text, str) or not text.strip():
        return "no_text"
    text = text.strip()
    if len(text) > MAX_TEXT:
        return "too_long"
    if not text.isprintable():
        return "control_characters"
    if _URLISH.search(text):
        return "url"
    if _MARKUP.search(text):
        return "markup"
    if kind not in ("advice", "todo"):
        return "bad_kind"
    if not isinstance(category, str) or category.strip().lower() not in CATEGORIES:
        return "bad_category"
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return "no_signal_ids"
    if not set(ids) <= given:
        return "unknown_signal_ids"
    if kind == "todo" and not ids:
        return "todo_without_signal"
    return Tip(text, kind, category.strip().lower(), tuple(dict.fromkeys(ids)))


def validate(answer: str, given_ids: Iterable[str], existing_texts: Iterable[str]) -> Verdict:
    """Check a model's answer against the contract. Raises AnswerError if it is not JSON."""
    items = _parse(answer)
    given = set(given_ids)
    seen = {normalize(t) for t in existing_texts}
    verdict = Verdict(offered=len(items))
    for item in items:
        result = _check(item, given)
        if isinstance(result, str):
            verdict.rejected[result] += 1
            continue
        key = normalize(result.text)
        if not key:
            verdict.rejected["no_text"] += 1
        elif key in seen:
            verdict.rejected["duplicate"] += 1
        elif len(verdict.tips) >= MAX_TIPS:
            verdict.rejected["too_many"] += 1
        else:
            seen.add(key)
            verdict.tips.append(result)
    return verdict
