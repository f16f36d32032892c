"""What a user tells an agent during a session: fact IDs, `name=value` facts and fields."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

_NAMES = ("mia_li", "omar_haddad", "sofia_rossi", "liam_chen", "ava_kim", "noah_silva")
_REASONS = ("damaged", "late_delivery", "wrong_item", "duplicate_charge")
_COUNTRIES = ("DE", "US", "FR", "BR", "JP", "IN")
# Extra facts users mention during a conversation (always new IDs, never a changed value).
_EXTRA_KINDS = ("item", "ticket", "reservation", "invoice")


def field_fact(rng: random.Random, name: str) -> str:
    """The fact a user states when answering the required field `name`."""
    if name == "order_id":
        return f"order:W{rng.randrange(10**6, 10**7)}"
    if name == "user_id":
        return f"user:{rng.choice(_NAMES)}_{rng.randrange(1000, 10000)}"
    if name == "email":
        return f"email={rng.choice(_NAMES)}{rng.randrange(10, 100)}@example.com"
    if name == "budget":
        return f"budget={rng.randrange(5, 200) * 500}"
    if name == "amount":
        return f"amount={rng.randrange(10, 900)}"
    if name == "refund_reason":
        return f"refund_reason={rng.choice(_REASONS)}"
    if name == "country":
        return f"country={rng.choice(_COUNTRIES)}"
    return f"{name}={rng.randrange(1, 1000)}"


def extra_fact(rng: random.Random) -> str:
    """A new ID the user mentions in passing (an item, ticket, reservation or invoice)."""
    kind = rng.choice(_EXTRA_KINDS)
    return f"{kind}:{kind[0].upper()}{rng.randrange(10**5, 10**6)}"


def wrong_value(rng: random.Random, fact: str) -> str:
    """The same `name=value` fact with a different value (a contradiction)."""
    name, _, value = fact.partition("=")
    if value.isdigit():
        return f"{name}={int(value) + rng.choice((-1, 1)) * rng.randrange(1, 50) * 10}"
    return f"{name}={value}_x" if not value.endswith("_x") else f"{name}={value[:-2]}"


@dataclass
class SessionFacts:
    """The facts and fields a session has seen, with each fact's introduction turn."""

    intro: dict[str, int] = field(default_factory=dict)
    by_turn: list[tuple[int, str]] = field(default_factory=list)
    provided_fields: set[str] = field(default_factory=set)
    answers: dict[str, str] = field(default_factory=dict)

    def answer(self, rng: random.Random, name: str) -> str:
        """The fact that answers field `name`; asked again, the user repeats the same answer."""
        if name not in self.answers:
            self.answers[name] = field_fact(rng, name)
        return self.answers[name]

    def add(self, fact: str, turn: int) -> None:
        """Record a fact the first time it appears."""
        if fact not in self.intro:
            self.intro[fact] = turn
            self.by_turn.append((turn, fact))

    def introduced(self, first: int, last: int) -> list[str]:
        """Facts whose introduction turn lies in [first, last]."""
        return [fact for turn, fact in self.by_turn if first <= turn <= last]

    def value_facts(self) -> list[str]:
        """The `name=value` facts the user stated."""
        return [fact for _, fact in self.by_turn if "=" in fact]
