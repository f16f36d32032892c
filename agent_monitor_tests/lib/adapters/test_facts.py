"""Fact-ID regexes on hand-picked sentences from the tau logs."""

from __future__ import annotations

import pytest

from agent_monitor.lib.adapters.facts import extract_facts, extract_facts_from_args


@pytest.mark.parametrize(
    ("text", "domain", "expected"),
    [
        ("Sure, my user ID is mia_li_3668.", "airline", {"user:mia_li_3668"}),
        ("I have the reservation number—it's XEWRD9.", "airline", {"reservation:XEWRD9"}),
        # all-letter codes are reservations too; shouted words and flight numbers are not
        ("Cancel AQLBTL PLEASE, not flight HAT136", "airline", {"reservation:AQLBTL"}),
        # reservation codes only count in the airline domain
        ("order #W2378156 and code XEWRD9", "retail", {"order:W2378156"}),
        ("the order W2378156", "retail", {"order:W2378156"}),
        # payment ids have 7 digits, user ids exactly 4
        ("pay with credit_card_4421486 or gift_card_1712795", "airline", set()),
        ("my number is 555-123-2002", "telecom", {"phone:5551232002"}),
        ("call (555) 123-2002", "telecom", {"phone:5551232002"}),
    ],
)
def test_extract_facts(text: str, domain: str, expected: set[str]) -> None:
    assert extract_facts(text, domain) == expected


def test_facts_in_nested_tool_arguments() -> None:
    arguments = {"user_id": "omar_davis_3817", "items": [{"order_id": "#W1267569"}], "n": 3}
    assert extract_facts_from_args(arguments, "retail") == {
        "user:omar_davis_3817",
        "order:W1267569",
    }
