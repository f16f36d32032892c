"""Per-conversation fact bookkeeping: what the user gave, what the agent used, what it re-asks.

Shared by the tau and OTel adapters. Rules (docs/adapters.md):

- user text -> `facts_provided` and `fields_provided` (the field each ID answers);
- agent text and tool arguments -> `facts_referenced`; agent text -> `fields_requested`;
- a referenced ID that nothing earlier in the conversation showed (no user message, no tool
  result) and that misses an ID the user gave by 1-2 edits (same kind) is a contradiction:
  the user's message gets `<kind>:<given>=<given>` and the response `<kind>:<given>=<used>`,
  the SPEC name=value form the session profiler compares;
- the same tool call (name and arguments; a handoff without its summary) made
  LOOP_MIN or more times in a row (no other agent call and no user message between) flags
  each response from the LOOP_MIN-th on `tool_loop` (in `profile_flags`, not `flags`: these
  are marks for the session profiler, not validator findings, and M4 does not read them);
- a question the agent already asked, word for word after normalising, flags the response
  `repeated_question` (offers such as "Would you like me to ...?" and pleasantries such as
  "anything else" are left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent_monitor.lib.adapters.common import canonical_json
from agent_monitor.lib.adapters.facts import (
    SENTENCE,
    extract_facts,
    extract_facts_from_args,
    near_miss,
    provided_fields,
    requested_fields,
)

LOOP_MIN = 3
HANDOFF_TOOL = "transfer_to_human_agents"
# Offers and pleasantries repeat by design; only questions that ask for information count.
PLEASANTRY = re.compile(
    r"anything else|help you with|how can i (?:help|assist)|is that (?:all|correct|right)|"
    r"would you (?:still )?(?:like|prefer)|do you (?:still )?(?:want|wish|confirm)|shall i|"
    r"should i|^\W*(?:can i|may i|is there)\b",
    re.IGNORECASE,
)
MIN_QUESTION_WORDS = 5


def _question_keys(text: str) -> set[str]:
    """Normalised questions of a text, each with the sentence before it (its subject)."""
    keys: set[str] = set()
    previous = ""
    for sentence in SENTENCE.split(text):
        sentence = sentence.strip()
        if sentence.endswith("?") and not PLEASANTRY.search(sentence):
            words = re.findall(r"[a-z0-9]+", sentence.lower())
            if len(words) >= MIN_QUESTION_WORDS:
                keys.add(" ".join(re.findall(r"[a-z0-9]+", previous.lower()) + words))
        previous = sentence
    return keys


@dataclass
class AgentTurnFacts:
    """What one agent response references, asks for and contradicts, and its flags."""

    referenced: list[str]
    requested: list[str]
    contradicted: list[str] = field(default_factory=list)  # the user-given facts missed
    flags: list[str] = field(default_factory=list)


@dataclass
class FactTracker:
    """Walks one conversation in order; call user(), tool_result() and agent() per message."""

    domain: str
    given: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    questions: set[str] = field(default_factory=set)
    last_call: str | None = None
    call_run: int = 0

    def user(self, text: str) -> tuple[list[str], list[str]]:
        """(facts_provided, fields_provided) of a user message."""
        facts = extract_facts(text, self.domain)
        # The user spoke: whatever the agent calls next may see another state.
        self.last_call, self.call_run = None, 0
        for fact in sorted(facts):
            if fact not in self.given:
                self.given.append(fact)
        self.seen |= facts
        return sorted(facts), sorted(provided_fields(facts))

    def tool_result(self, text: str) -> None:
        """IDs a tool returned are real: referencing them later is no near-miss."""
        self.seen |= extract_facts(text, self.domain)

    def agent(self, text: str, calls: list[tuple[str, Any]]) -> AgentTurnFacts:
        """Facts, requests, contradictions and flags of one agent response."""
        facts = extract_facts(text, self.domain)
        for _, arguments in calls:
            facts |= extract_facts_from_args(arguments, self.domain)
        out = AgentTurnFacts(sorted(facts), sorted(requested_fields(text, self.domain)))
        for fact in out.referenced:
            if fact in self.seen:
                continue
            missed = near_miss(fact, self.given)
            if missed is not None:
                out.contradicted.append(missed)
                out.referenced.append(f"{missed}={fact.split(':', 1)[1]}")
        out.referenced.sort()
        for name, arguments in calls:
            signature = canonical_json([name, {} if name == HANDOFF_TOOL else arguments])
            self.call_run = self.call_run + 1 if signature == self.last_call else 1
            self.last_call = signature
            if self.call_run >= LOOP_MIN and "tool_loop" not in out.flags:
                out.flags.append("tool_loop")
        keys = _question_keys(text)
        if keys & self.questions:
            out.flags.append("repeated_question")
        self.questions |= keys
        return out


def given_value_fact(fact: str) -> str:
    """The name=value form of a user-given fact: `reservation:X` -> `reservation:X=X`."""
    return f"{fact}={fact.split(':', 1)[1]}"
