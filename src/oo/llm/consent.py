"""The consent texts for the LLM modes, built from the prompt builder's own list of fields
(oo.llm.context.FIELDS), so what a text promises is what a prompt in that mode can carry.

`TEXTS` is the provider registered in the `oo.consent` entry-point group (pyproject.toml),
through which oo.privacy.consent finds every consent text without importing oo.llm.
"""

from __future__ import annotations

from oo.llm.context import FIELDS, FREE_TEXT, fields_for
from oo.privacy import consent

VERSION = 2  # raise when the texts change, so a consent given to the old one asks again
SUBJECTS = {"llm:redacted": "redacted", "llm:full": "full"}


def _listing(fields: list[str]) -> str:
    return "; ".join(f"{name} ({FIELDS[name]})" for name in fields)


def text_for_mode(subject: str) -> consent.ConsentText:
    mode = SUBJECTS[subject]
    sent = [f for f in fields_for(mode) if f != "model"]
    derived = [f for f in sent if f not in FREE_TEXT]
    free = [f for f in sent if f in FREE_TEXT]
    reads = "derived signals from oO's store: " + _listing(derived) + "."
    if free:
        reads += " And text you wrote: " + _listing(free) + "."
    else:
        reads += " No text you wrote, no task or event titles."
    return consent.ConsentText(
        subject,
        VERSION,
        reads=reads,
        keeps="the tips the model writes, each with the model's alias and name, the run, "
        "the prompt version, the signal it is tied to and when it expires.",
        sends="to the configured non-local model, in each request: exactly the fields above "
        "(never tokens, URLs, e-mail addresses or file paths). A model on this machine gets "
        "the same fields without asking, with text you wrote when llm.mode is local.",
    )


TEXTS = consent.StaticTexts(*(text_for_mode(subject) for subject in SUBJECTS))
