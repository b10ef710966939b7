"""The output contract: what a model's answer must be before any of it becomes a candidate.

An answer is JSON: {"tips": [...]} (a bare list is accepted too), possibly in a code fence or
with chatter around it. Each tip is an object with text, kind (advice or todo), category,
and the one signal it is tied to ("signal": "s1"; a one-item "signal_ids" list is accepted).
The text must then pass the safety gate (oo.llm.gate). Anything else is dropped and counted
by reason; duplicates of existing candidates, library tips or each other are dropped too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oo.llm import gate
from oo.llm.context import CATEGORIES, MAX_TIPS, NOW_ID


class AnswerError(ValueError):
    """The answer as a whole is not the JSON the contract asks for."""


@dataclass(frozen=True)
class Tip:
    text: str
    kind: str
    category: str
    signal: str  # the prompt id of the signal the tip is tied to


@dataclass
class Verdict:
    tips: list[Tip] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    offered: int = 0


_REFUSAL = re.compile(
    r"(?i)\b(I can(?:no|')t|I(?: am|'m) (?:unable|not able|sorry)|as an ai|I won't)\b"
)


def normalize(text: str) -> str:
    """The form duplicates are compared in: case, accents, spacing and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c if c.isalnum() else " " for c in decomposed).split())


def _json_in(text: str) -> Any:
    """The first JSON object or list in `text`: fenced, bare, or with chatter around it."""
    fenced = re.search(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            doc, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if (isinstance(doc, dict) and "tips" in doc) or isinstance(doc, list):
            return doc
    # Cut off (a token limit, a dropped stream): keep the tips that were written in full.
    whole = []
    for match in re.finditer(r"\{", text):
        try:
            doc, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(doc, dict) and "text" in doc:
            whole.append(doc)
    if whole:
        return whole
    raise ValueError("no JSON")


def _parse(answer: str) -> list[Any]:
    text = answer.strip()
    try:
        doc = _json_in(text)
    except ValueError:
        if _REFUSAL.search(text):
            raise AnswerError("the model refused to write tips") from None
        raise AnswerError("the model's answer is not JSON") from None
    if isinstance(doc, dict) and isinstance(doc.get("tips"), list):
        return list(doc["tips"])
    if isinstance(doc, list):
        return doc
    raise AnswerError('the model\'s answer is JSON but has no "tips" list')


def _signal(item: dict[str, Any]) -> str | None:
    signal = item.get("signal")
    if signal is None:
        ids = item.get("signal_ids")
        if isinstance(ids, list) and len(ids) == 1:
            signal = ids[0]
    return signal if isinstance(signal, str) else None


def _check(
    item: Any, given: Mapping[str, str], *, language: str, untrusted: list[str]
) -> Tip | str:
    """The tip, or the reason it is dropped."""
    if not isinstance(item, dict):
        return "not_an_object"
    text, kind, category = item.get("text"), item.get("kind", "advice"), item.get("category")
    if not isinstance(text, str) or not text.strip():
        return "no_text"
    if kind not in ("advice", "todo"):
        return "bad_kind"
    signal = _signal(item)
    if signal is None:
        return "no_signal"
    if signal not in given:
        return "unknown_signal"
    if kind == "todo" and signal == NOW_ID:
        return "todo_without_signal"
    category = category.strip().lower() if isinstance(category, str) else ""
    reason = gate.check(
        text, category, language=language, categories=CATEGORIES, untrusted=untrusted
    )
    if reason is not None:
        return reason
    return Tip(text.strip(), kind, category, signal)


def validate(
    answer: str,
    given_ids: Mapping[str, str],
    existing_texts: Iterable[str],
    *,
    language: str = "en",
    untrusted: Iterable[str] = (),
) -> Verdict:
    """Check a model's answer against the contract and the gate. Raises AnswerError if it
    holds no JSON tips."""
    items = _parse(answer)
    seen = {normalize(t) for t in existing_texts}
    free_text = list(untrusted)
    verdict = Verdict(offered=len(items))
    for item in items:
        result = _check(item, given_ids, language=language, untrusted=free_text)
        if isinstance(result, str):
            verdict.rejected[result] += 1
            continue
        key = normalize(result.text)
        if key in seen:
            verdict.rejected["duplicate"] += 1
        elif len(verdict.tips) >= MAX_TIPS:
            verdict.rejected["too_many"] += 1
        else:
            seen.add(key)
            verdict.tips.append(result)
    return verdict
