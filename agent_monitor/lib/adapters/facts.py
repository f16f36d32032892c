"""Fact IDs found in conversation text and tool arguments, and the fields an agent asks for.

Deterministic, explainable heuristics (docs/adapters.md has the table): each fact is
`<kind>:<value>` with kind user, order, reservation (airline only), email, phone, amount.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

# Customer user IDs: first_last_NNNN (tau airline/retail), e.g. mia_li_3668.
USER_ID = re.compile(r"\b[a-z]+_[a-z]+_\d{4}\b")
# Retail order IDs: #W + 7 digits, the `#` optional in free text, e.g. #W2378156.
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])#?(W\d{7})\b")
# Airline reservation codes: 6 upper-case letters/digits with at least one letter,
# not a flight number (HAT + 3 digits) and not a shouted word from STOP_WORDS.
RESERVATION_ID = re.compile(r"\b(?=[A-Z0-9]{6}\b)[0-9]*[A-Z][A-Z0-9]*\b")
FLIGHT_NUMBER = re.compile(r"HAT\d{3}")
STOP_WORDS = frozenset({
    "PLEASE", "THANKS", "CANCEL", "UPDATE", "CHANGE", "ACTIVE", "STATUS", "TRAVEL", "ANYONE",
    "HUMAN", "AGENTS", "REFUND", "SECOND", "NUMBER",
})
# Phone numbers: 555-123-2002 or (555) 123-2002, stored as digits only.
PHONE = re.compile(r"\(?\b(\d{3})\)?[-. ]?(\d{3})[-. ](\d{4})\b")
EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# Money: $1,234.50 or $50, stored with two decimals.
AMOUNT = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\b")

# Kinds whose values identify one thing: a near-miss of one of them is a contradiction.
ID_KINDS = ("user", "order", "reservation", "email", "phone")
# The field an agent asks for, per fact kind (fields_requested / fields_provided).
FIELD_OF_KIND = {
    "user": "user_id", "order": "order_id", "reservation": "reservation_id",
    "email": "email", "phone": "phone",
}
FIELD_WORDS = {
    "user_id": re.compile(r"\buser[ _-]?id\b", re.IGNORECASE),
    "order_id": re.compile(r"\border (?:id|number)s?\b", re.IGNORECASE),
    "reservation_id": re.compile(
        r"\b(?:reservation|booking|confirmation) (?:id|number|code)s?\b", re.IGNORECASE),
    "email": re.compile(r"\be-?mail(?: address)?\b", re.IGNORECASE),
    "phone": re.compile(r"\bphone number\b", re.IGNORECASE),
}
# A sentence asks for a value when it is a question or uses a request phrase.
REQUEST = re.compile(
    r"\?|\b(?:please (?:provide|share|give|send|tell|enter|let me know)|could you (?:provide|"
    r"share|give|tell|send)|can you (?:provide|share|give|tell|send)|may i have|i(?:'ll| will)? "
    r"need your|what(?:'s| is) your)\b",
    re.IGNORECASE,
)
# Asking about a different or an additional item is not a re-ask of the one already given,
# nor is asking to check or confirm a value that a lookup did not find.
OTHER_ITEM = re.compile(
    r"\b(?:other|another|additional|second|each|which|any more|remaining|new|different|"
    r"double[- ]?check|check again|confirm|once you have|when you have|if you have)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")


def _amount(whole: str, cents: str | None) -> str | None:
    try:
        return f"{Decimal(whole.replace(',', '') + (cents or '')):.2f}"
    except InvalidOperation:
        return None


def extract_facts(text: str, domain: str) -> set[str]:
    """Fact IDs in one piece of text; reservation codes only in the airline domain."""
    found = {f"user:{match}" for match in USER_ID.findall(text)}
    found.update(f"order:{match}" for match in ORDER_ID.findall(text))
    if domain == "airline":
        for match in RESERVATION_ID.findall(text):
            if not FLIGHT_NUMBER.fullmatch(match) and match not in STOP_WORDS:
                found.add(f"reservation:{match}")
    found.update(f"phone:{''.join(parts)}" for parts in PHONE.findall(text))
    found.update(f"email:{match.lower()}" for match in EMAIL.findall(text))
    for whole, cents in AMOUNT.findall(text):
        value = _amount(whole, cents)
        if value is not None:
            found.add(f"amount:{value}")
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
    """Fact IDs in the string values of tool-call arguments (amounts are numbers there)."""
    found: set[str] = set()
    for text in _strings(arguments):
        found |= {f for f in extract_facts(text, domain) if not f.startswith("amount:")}
    return found


def provided_fields(facts: Iterable[str]) -> set[str]:
    """The fields a user answers by stating these facts."""
    return {FIELD_OF_KIND[f.split(":", 1)[0]] for f in facts if f.split(":", 1)[0] in FIELD_OF_KIND}


def requested_fields(text: str, domain: str) -> set[str]:
    """Fields the agent asks the user for in its text.

    A sentence asks for a field when it is a request (a question or a request phrase), names
    the field, does not already carry a value of that field (a confirmation), and is not
    about another item ("which", "other", "another", "new", ...).
    """
    asked: set[str] = set()
    for sentence in SENTENCE.split(text):
        if not REQUEST.search(sentence) or OTHER_ITEM.search(sentence):
            continue
        present = provided_fields(extract_facts(sentence, domain))
        for field, words in FIELD_WORDS.items():
            if words.search(sentence) and field not in present:
                asked.add(field)
    return asked


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, capped at `limit` (enough to tell 1-2 from more)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char_a != char_b)))
        if min(current) >= limit:
            return limit
        previous = current
    return min(previous[-1], limit)


def near_miss(fact: str, given: Iterable[str]) -> str | None:
    """The user-given fact of the same ID kind that `fact` misses by 1-2 edits, if any."""
    kind, _, value = fact.partition(":")
    if kind not in ID_KINDS:
        return None
    best: tuple[int, str] | None = None
    for other in given:
        other_kind, _, other_value = other.partition(":")
        if other_kind != kind or other_value == value:
            continue
        distance = edit_distance(value, other_value)
        if 1 <= distance <= 2 and (best is None or distance < best[0]):
            best = (distance, other)
    return best[1] if best else None
