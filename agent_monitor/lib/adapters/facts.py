"""Fact IDs found in conversation text and tool arguments (user, order, reservation, phone)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Customer user IDs: first_last_NNNN (tau airline/retail), e.g. mia_li_3668.
USER_ID = re.compile(r"\b[a-z]+_[a-z]+_\d{4}\b")
# Retail order IDs: #W + 7 digits, the `#` optional in free text, e.g. #W2378156.
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])#?(W\d{7})\b")
# Airline reservation codes: 6 upper-case letters/digits with at least one letter,
# not a flight number (HAT + 3 digits) and not a shouted word from STOP_WORDS.
RESERVATION_ID = re.compile(r"\b(?=[A-Z0-9]{6}\b)[0-9]*[A-Z][A-Z0-9]*\b")
FLIGHT_NUMBER = re.compile(r"HAT\d{3}")
STOP_WORDS = frozenset({"PLEASE", "THANKS", "CANCEL", "UPDATE", "CHANGE", "ACTIVE", "STATUS"})
# Telecom phone numbers: 555-123-2002 or (555) 123-2002, stored as digits only.
PHONE = re.compile(r"\(?\b(\d{3})\)?[-. ]?(\d{3})[-. ](\d{4})\b")


def extract_facts(text: str, domain: str) -> set[str]:
    """Fact IDs in one piece of text; reservation codes only in the airline domain."""
    found = {f"user:{match}" for match in USER_ID.findall(text)}
    found.update(f"order:{match}" for match in ORDER_ID.findall(text))
    if domain == "airline":
        for match in RESERVATION_ID.findall(text):
            if not FLIGHT_NUMBER.fullmatch(match) and match not in STOP_WORDS:
                found.add(f"reservation:{match}")
    if domain == "telecom":
        found.update(f"phone:{''.join(parts)}" for parts in PHONE.findall(text))
    return found


def _strings(value: Any) -> Iterable[str]:
    """Every string inside a JSON value (tool arguments are nested)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def extract_facts_from_args(arguments: Any, domain: str) -> set[str]:
    """Fact IDs in the string values of tool-call arguments."""
    found: set[str] = set()
    for text in _strings(arguments):
        found |= extract_facts(text, domain)
    return found
