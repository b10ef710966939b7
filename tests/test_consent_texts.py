"""What a connector's consent text says a model gets is what the prompt builder can send."""

from __future__ import annotations

import pytest

from oo.connectors.base import get
from oo.llm.context import FIELDS

# How each prompt field drawn from a connector's data is named in its consent text.
NAMED_AS = {
    "tasks.overdue": "overdue",
    "tasks.due_today": "due today",
    "tasks.due_this_week": "due this week",
    "tasks.high_priority": "high priority",
    "calendar.busy_now": "busy now",
    "calendar.minutes_to_next": "minutes to your next busy event",
    "calendar.events_left_today": "how many are left today",
}
GROUP = {"todoist": "tasks", "calendar": "calendar", "caldav": "calendar"}


@pytest.mark.parametrize("name", sorted(GROUP))
def test_a_consent_text_names_every_prompt_field_drawn_from_its_source(name: str) -> None:
    sends = get(name).consent.sends
    fields = [f for f in FIELDS if f.split(".", 1)[0] == GROUP[name]]
    assert fields
    # A new prompt field from this source must be named in the text before it is sent.
    assert set(fields) <= set(NAMED_AS), set(fields) - set(NAMED_AS)
    for field in fields:
        assert NAMED_AS[field] in sends, (field, sends)
    assert "on this machine" in sends  # a local model gets these too
