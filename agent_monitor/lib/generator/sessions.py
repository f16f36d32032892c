"""User sessions with one agent: user messages, agent responses, shadows and escalations."""

from __future__ import annotations

import hashlib
import random

from agent_monitor.lib.generator.clock import SECOND_MS, IdMaker
from agent_monitor.lib.generator.facts import SessionFacts, extra_fact
from agent_monitor.lib.generator.incidents import IncidentBook
from agent_monitor.lib.generator.replies import Reply, make_reply
from agent_monitor.lib.generator.sink import EventSink, ReviewCandidate
from agent_monitor.lib.generator.traffic import SessionPlan

HANDOFF_RATE = 0.035
ABANDON_RATE = 0.02
SHADOW_SHARE = 0.6
SHADOW_AGREEMENT = 0.95
ERROR_RATE = 0.01
ERROR_TYPES = ("timeout", "rate_limited", "upstream_5xx", "context_length_exceeded")


def input_hash(rng: random.Random, agent_id: str, unique_key: str) -> tuple[str, int | None]:
    """A hash of the normalised input; a quarter of inputs repeat from a pool of 40."""
    if rng.random() < 0.25:
        index = rng.randrange(40)
        key = f"{agent_id}:common:{index}"
    else:
        index, key = None, unique_key
    return hashlib.sha1(key.encode()).hexdigest()[:16], index


def simulate_session(rng: random.Random, ids: IdMaker, plan: SessionPlan, book: IncidentBook, sink: EventSink) -> None:
    """Emit one session's events; stops at the period's end or at an escalation."""
    agent = plan.agent
    facts = SessionFacts()
    affected = bool(book.decay(agent.agent_id, plan.start_ms) or book.drift(agent.agent_id, plan.start_ms))
    boost = 2.0 if affected else 1.0
    draw = rng.random()
    escalation, last_turn = None, plan.turns
    if draw < HANDOFF_RATE * boost:
        escalation, last_turn = "handoff_request", rng.randint(min(2, plan.turns), plan.turns)
    elif draw < (HANDOFF_RATE + ABANDON_RATE) * boost:
        escalation, last_turn = "abandon", rng.randint(1, plan.turns)
    now = plan.start_ms
    requested: list[str] = []
    for turn in range(1, last_turn + 1):
        provided_facts, provided_fields = [], []
        if turn == 1 and agent.required_fields and rng.random() < 0.6:
            requested = [agent.required_fields[0]]
        for name in requested:
            if rng.random() < 0.95:
                provided_fields.append(name)
                provided_facts.append(facts.answer(rng, name))
        if rng.random() < (0.35 if turn > 1 else 0.5):
            provided_facts.append(extra_fact(rng))
        for fact in provided_facts:
            facts.add(fact, turn)
        facts.provided_fields.update(provided_fields)
        if now >= sink.end_ms:
            return
        base = {"session_id": plan.session_id, "turn": turn, "trace_id": plan.trace_id}
        sink.add(
            now,
            ids.next("msg"),
            {
                "event_type": "user_message",
                **base,
                "facts_provided": provided_facts,
                "fields_provided": provided_fields,
            },
        )
        latency = int(rng.lognormvariate(6.8, 0.5))
        now += latency
        hashed, pool_index = input_hash(rng, agent.agent_id, f"{plan.session_id}:{turn}")
        reply = make_reply(
            rng,
            plan,
            turn,
            facts,
            book.drift(agent.agent_id, now),
            book.decay(agent.agent_id, now),
            pool_index,
        )
        requested = reply.fields_requested
        _emit_response(rng, ids, plan, turn, now, latency, reply, hashed, sink)
        now += int((8 + rng.expovariate(1 / 18.0)) * SECOND_MS)
    if escalation is not None:
        wait = rng.randint(5, 30) if escalation == "handoff_request" else rng.randint(300, 900)
        at = now + wait * SECOND_MS
        if at < sink.end_ms:
            sink.add(
                at,
                ids.next("esc"),
                {
                    "event_type": "escalation",
                    "agent_id": agent.agent_id,
                    "session_id": plan.session_id,
                    "kind": escalation,
                    "trace_id": plan.trace_id,
                },
            )


def _emit_response(
    rng: random.Random,
    ids: IdMaker,
    plan: SessionPlan,
    turn: int,
    ts: int,
    latency: int,
    reply: Reply,
    hashed: str,
    sink: EventSink,
) -> None:
    """Write the primary response (and its shadow) and register it with the review sampler."""
    agent = plan.agent
    event_id = ids.next("rsp")
    body: dict = {
        "event_type": "agent_response",
        "agent_id": agent.agent_id,
        "agent_version": plan.version,
        "session_id": plan.session_id,
        "turn": turn,
        "trace_id": plan.trace_id,
        "span_id": f"{rng.getrandbits(64):016x}",
        "deployment": "primary",
        "input_hash": hashed,
        "input_tokens": 250 + 45 * turn + rng.randrange(200),
        "latency_ms": latency,
    }
    if rng.random() < ERROR_RATE:
        body.update(status="error", error_type=rng.choice(ERROR_TYPES), output_tokens=0)
        if ts < sink.end_ms:
            sink.add(ts, event_id, body)
        return
    decision = reply.decision
    body.update(reply.body())
    if ts >= sink.end_ms:
        return
    sink.add(ts, event_id, body)
    disagreement = False
    spec = agent.decision
    if decision is not None and spec is not None and agent.shadow_version and rng.random() < SHADOW_SHARE:
        value = decision["value"]
        shadow_value = value
        if rng.random() > SHADOW_AGREEMENT:
            shadow_value = rng.choice([v for v in spec.values if v != value])
        shadow_ts = ts + rng.randint(2, 180) * SECOND_MS
        if shadow_ts < sink.end_ms:
            disagreement = shadow_value != value
            sink.add(
                shadow_ts,
                ids.next("rsp"),
                {
                    "event_type": "agent_response",
                    "agent_id": agent.agent_id,
                    "agent_version": agent.shadow_version,
                    "session_id": plan.session_id,
                    "turn": turn,
                    "trace_id": plan.trace_id,
                    "deployment": "shadow",
                    "shadow_of": event_id,
                    "input_hash": hashed,
                    "confidence": round(min(0.99, max(0.02, rng.gauss(agent.base_quality, 0.08))), 4),
                    "confidence_source": "self_reported",
                    "latency_ms": int(rng.lognormvariate(6.9, 0.5)),
                    "status": "ok",
                    "decision": {**decision, "value": shadow_value},
                },
            )
    sink.reviewable.append(
        ReviewCandidate(
            event_id=event_id,
            ts_ms=ts,
            confidence=reply.confidence,
            decision_path=decision["path"] if decision else None,
            shadow_disagreement=disagreement,
            has_flags=bool(reply.flags),
            correct=reply.correct,
        )
    )
