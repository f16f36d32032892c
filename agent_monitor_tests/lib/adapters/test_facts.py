"""Fact-ID regexes on hand-picked sentences from the tau logs."""

from __future__ import annotations

import pytest

from agent_monitor.lib.adapters.conversation_facts import FactTracker
from agent_monitor.lib.adapters.facts import (
    edit_distance,
    extract_facts,
    extract_facts_from_args,
    near_miss,
    requested_fields,
)


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


@pytest.mark.parametrize(
    ("text", "domain", "expected"),
    [
        ("reach me at Mia.Li@example.com", "retail", {"email:mia.li@example.com"}),
        ("it costs $1,234.5 or $50", "retail", {"amount:1234.50", "amount:50.00"}),
        # phones count in every domain, user ids keep exactly 4 digits
        ("my line is 555-123-2002", "airline", {"phone:5551232002"}),
        ("HAT136 and PLEASE", "airline", set()),
    ],
)
def test_more_fact_kinds(text: str, domain: str, expected: set[str]) -> None:
    assert extract_facts(text, domain) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Could you please provide your user ID?", {"user_id"}),
        ("Please provide your user ID and the reservation ID for your trip.",
         {"user_id", "reservation_id"}),
        ("Could you please provide your email address or your zip code?", {"email"}),
        ("Could you please provide the phone number of the line?", {"phone"}),
        ("What is the order ID of the jacket?", {"order_id"}),
        # a confirmation carries the value: not a request
        ("Is your user ID mia_li_3668?", set()),
        # another item is a new request, not a re-ask
        ("Could you share the other reservation ID?", set()),
        ("Which order number is for the camera?", set()),
        # a statement naming the field asks nothing
        ("I found your user ID.", set()),
    ],
)
def test_requested_fields(text: str, expected: set[str]) -> None:
    assert requested_fields(text, "airline") == expected


@pytest.mark.parametrize(
    ("fact", "given", "expected"),
    [
        ("reservation:IFOYWZ", ["reservation:IFOYYZ"], "reservation:IFOYYZ"),  # 1 substitution
        ("order:W2378165", ["order:W2378156"], "order:W2378156"),  # transposition = 2 edits
        ("user:mia_li_3669", ["user:mia_li_3668"], "user:mia_li_3668"),
        ("reservation:ABCDEF", ["reservation:IFOYYZ"], None),  # far apart
        ("reservation:IFOYYZ", ["reservation:IFOYYZ"], None),  # the same value
        ("order:W2378156", ["reservation:W23781"], None),  # other kind
        ("amount:50.00", ["amount:51.00"], None),  # amounts are not IDs
    ],
)
def test_near_miss(fact: str, given: list[str], expected: str | None) -> None:
    assert near_miss(fact, given) == expected


def test_edit_distance_caps() -> None:
    assert [edit_distance("IFOYYZ", b) for b in ("IFOYYZ", "IFOYWZ", "IFOWWZ", "ABCDEF")] == [
        0, 1, 2, 3]


def test_tracker_near_miss_only_for_ids_nothing_showed() -> None:
    tracker = FactTracker("airline")
    assert tracker.user("Please cancel IFOYYZ, my user ID is mia_li_3668.") == (
        ["reservation:IFOYYZ", "user:mia_li_3668"], ["reservation_id", "user_id"])
    found = tracker.agent("", [("get_reservation_details", {"reservation_id": "IFOYWZ"})])
    assert found.contradicted == ["reservation:IFOYYZ"]
    assert found.referenced == ["reservation:IFOYWZ", "reservation:IFOYYZ=IFOYWZ"]
    # A code a tool result listed is a real reservation, not a slip.
    tracker.tool_result('{"reservations": ["IFOYZZ"]}')
    assert tracker.agent("Checking IFOYZZ.", []).contradicted == []
    assert tracker.agent("Could you provide your user ID?", []).requested == ["user_id"]


def test_tracker_flags_loops_and_repeated_questions() -> None:
    tracker = FactTracker("telecom")
    handoff = [("transfer_to_human_agents", {"summary": "x"})]
    flags = [tracker.agent("", handoff).flags for _ in range(2)]
    # The summary differs, the handoff is still the same call: the third in a row loops.
    flags.append(tracker.agent("", [("transfer_to_human_agents", {"summary": "y"})]).flags)
    flags.append(tracker.agent("", [("get_details_by_id", {"id": "L1"})]).flags)
    assert flags == [[], [], ["tool_loop"], []]
    ask = "Let's check the apps. Could you tell me which apps are open on your phone?"
    assert tracker.agent(ask, []).flags == []
    assert tracker.agent("Thanks!\n" + ask, []).flags == ["repeated_question"]
    # A generic question counts with the sentence before it: other subject, other question.
    assert tracker.agent("Let's check roaming. Could you provide these details?", []).flags == []
    assert tracker.agent("Let's check the APN. Could you provide these details?", []).flags == []
    # Pleasantries and offers repeat without meaning anything.
    for _ in range(2):
        assert tracker.agent("Is there anything else I can help you with?", []).flags == []
        assert tracker.agent("Sorry. Would you like me to transfer you?", []).flags == []
