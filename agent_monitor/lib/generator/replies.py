"""One agent reply inside a session: what it references, asks, decides, and whether it is right."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent_monitor.lib.generator.facts import SessionFacts, wrong_value
from agent_monitor.lib.generator.incidents import DriftState
from agent_monitor.lib.generator.responses import (
    confidence_and_logprobs,
    hedge_probability,
    response_text,
    validator_flags,
)

if TYPE_CHECKING:
    from agent_monitor.lib.generator.traffic import SessionPlan

EARLY_LAST_TURN = 20
RECENT_SPAN = 20
LATE_TURN = 30
HEALTHY_EARLY_REFERENCE = 0.65
DECAYED_EARLY_REFERENCE = 0.06


@dataclass
class Reply:
    """The content of a successful primary response plus its hidden correctness."""

    confidence: float
    confidence_source: str
    token_logprobs: list[float] | None
    top_logprobs: list[list[float]] | None
    text: str
    facts_referenced: list[str]
    fields_requested: list[str]
    flags: list[str]
    correct: bool
    decision: dict[str, str] | None = None

    def body(self) -> dict[str, Any]:
        """The SPEC §1 agent_response fields this reply fills."""
        body: dict[str, Any] = {
            "status": "ok",
            "confidence": self.confidence,
            "confidence_source": self.confidence_source,
        }
        if self.token_logprobs is not None:
            body["token_logprobs"] = self.token_logprobs
        if self.top_logprobs is not None:
            body["top_logprobs"] = self.top_logprobs
        n_tokens = len(self.token_logprobs) if self.token_logprobs else len(self.text.split()) + 4
        body["output_tokens"] = n_tokens
        body["text"] = self.text
        body["facts_referenced"] = self.facts_referenced
        body["fields_requested"] = self.fields_requested
        if self.decision is not None:
            body["decision"] = self.decision
        body["flags"] = self.flags
        return body


def referenced_facts(rng: random.Random, facts: SessionFacts, turn: int, decay: float) -> tuple[list[str], bool]:
    """Facts the reply uses, and whether one of them contradicts what the user said."""
    if turn <= EARLY_LAST_TURN:
        pool = facts.introduced(1, turn)
        chosen = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2)))) if pool else []
        return chosen, False
    chosen = []
    recent = facts.introduced(turn - RECENT_SPAN, turn)
    if recent and rng.random() < 0.9:
        chosen.append(rng.choice(recent))
    late_decay = decay if turn >= LATE_TURN else 0.0
    p_early = HEALTHY_EARLY_REFERENCE - (HEALTHY_EARLY_REFERENCE - DECAYED_EARLY_REFERENCE) * late_decay
    early = facts.introduced(1, EARLY_LAST_TURN)
    if early and rng.random() < p_early:
        chosen.append(rng.choice(early))
    contradicted = False
    values = facts.value_facts()
    if values and rng.random() < 0.002 + 0.08 * late_decay:
        chosen.append(wrong_value(rng, rng.choice(values)))
        contradicted = True
    return chosen, contradicted


def requested_fields(rng: random.Random, plan: SessionPlan, facts: SessionFacts, turn: int, decay: float) -> list[str]:
    """Required fields the agent asks for; a decaying agent re-asks ones already given."""
    pending = [f for f in plan.agent.required_fields if f not in facts.provided_fields]
    asked = pending[:1] if pending and rng.random() < 0.8 else []
    given = sorted(facts.provided_fields)
    late_decay = decay if turn >= LATE_TURN else 0.0
    if given and rng.random() < 0.002 + 0.25 * late_decay:
        asked.append(rng.choice(given))
    return asked


def decide(rng: random.Random, plan: SessionPlan, pool_index: int | None) -> dict[str, str] | None:
    """The decision; repeated inputs mostly get the same value."""
    spec = plan.agent.decision
    if spec is None:
        return None
    if pool_index is not None and rng.random() < 0.93:
        value = spec.values[pool_index % len(spec.values)]
    else:
        value = rng.choices(spec.values, weights=(6, 3, 1)[: len(spec.values)])[0]
    return {"name": spec.name, "value": value, "path": spec.path}


def make_reply(
    rng: random.Random,
    plan: SessionPlan,
    turn: int,
    facts: SessionFacts,
    drift: DriftState | None,
    decay: float,
    pool_index: int | None,
) -> Reply:
    """Draw a reply; its correctness is calibrated to confidence unless an incident skews it."""
    agent = plan.agent
    confidence, tokens, tops = confidence_and_logprobs(rng, agent, drift)
    referenced, contradicted = referenced_facts(rng, facts, turn, decay)
    p_correct = confidence - (drift.accuracy_gap if drift else 0.0)
    if decay and turn >= LATE_TURN:
        p_correct -= 0.15 * decay
    correct = not contradicted and rng.random() < p_correct
    decision = decide(rng, plan, pool_index)
    hedge = rng.random() < hedge_probability(confidence, drift)
    repeat = drift is not None and rng.random() < 0.2 * drift.entropy
    shown = next((f for f in referenced if ":" in f), "your request")
    text = response_text(
        rng,
        decision["name"] if decision else "",
        decision["value"] if decision else None,
        shown.split(":", 1)[-1],
        hedge,
        repeat,
    )
    return Reply(
        confidence=confidence,
        confidence_source=agent.confidence_source,
        token_logprobs=tokens,
        top_logprobs=tops,
        text=text,
        facts_referenced=referenced,
        fields_requested=requested_fields(rng, plan, facts, turn, decay),
        flags=validator_flags(rng, correct, drift),
        correct=correct,
        decision=decision,
    )
