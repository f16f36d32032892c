"""A generator of mutated event lines, each with what ingestion must make of it.

Every line is unique, so a line's fate depends on its own content only: `accept` (a valid
event, its id), `duplicate` (an exact copy of an earlier valid line) or a quarantine reason.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import orjson

TS = "2026-01-05T10:00:00Z"


@dataclass(frozen=True)
class FuzzLine:
    raw: bytes
    outcome: str  # "accept", "duplicate", or the quarantine reason
    event_id: str | None = None


def _event(kind: str, n: int, rng: random.Random) -> dict[str, object]:
    base: dict[str, object] = {"event_id": f"v{n}", "event_type": kind, "ts": TS}
    if kind == "agent_response":
        base.update(agent_id=f"agent{rng.randint(1, 3)}", session_id=f"s{n}", turn=rng.randint(1, 9),
                    confidence=round(rng.random(), 3), input_tokens=rng.randint(0, 5000),
                    token_logprobs=[-round(rng.random(), 3) for _ in range(3)])
    elif kind == "user_message":
        base.update(session_id=f"s{n}", turn=rng.randint(1, 9), facts_provided=["order:1"])
    elif kind == "review":
        base.update(target_event_id=f"v{max(0, n - 1)}", verdict=rng.choice(["correct", "incorrect"]))
    elif kind == "escalation":
        base.update(session_id=f"s{n}", kind="handoff_request")
    elif kind == "workflow_run":
        base.update(workflow_id="w", workflow_run_id=f"run{n}", status="completed")
    else:
        base.update(workflow_id="w", workflow_run_id=f"run{n}", step_id="s1", agent_id="agent1",
                    status="succeeded", started_at="2026-01-05T09:59:00Z")
    return base


KINDS = ["agent_response", "user_message", "review", "escalation", "workflow_run", "workflow_step"]
Mutation = Callable[[dict[str, object], int], tuple[bytes, str]]


def _dump(event: dict[str, object]) -> bytes:
    return orjson.dumps(event)


def _set(field: str, value: object, reason: str) -> Mutation:
    def mutate(event: dict[str, object], n: int) -> tuple[bytes, str]:
        event[field] = value
        return _dump(event), reason
    return mutate


def _drop(field: str) -> Mutation:
    def mutate(event: dict[str, object], n: int) -> tuple[bytes, str]:
        event.pop(field, None)
        return _dump(event), f"missing_field:{field}"
    return mutate


def _raw(transform: Callable[[bytes], bytes], reason: str) -> Mutation:
    def mutate(event: dict[str, object], n: int) -> tuple[bytes, str]:
        return transform(_dump(event)), reason
    return mutate


# Mutations that apply to any event type.
COMMON: list[Mutation] = [
    _raw(lambda b: b[: len(b) // 2], "bad_json"),
    _raw(lambda b: b + b",", "bad_json"),
    _raw(lambda b: b.replace(b'"ts"', b'"ts\xff"', 1), "not_utf8"),
    _raw(lambda b: b.replace(b"}", b',"x":"\\ud800"}', 1), "bad_json"),  # a lone surrogate
    _drop("event_id"),
    _drop("ts"),
    _set("event_id", 12, "bad_type:event_id"),
    _set("event_id", "", "out_of_range:event_id"),
    _set("event_type", "heartbeat", "unknown_event_type"),
    _set("ts", "yesterday", "bad_type:ts"),
    _set("ts", "20260105T100000Z", "bad_type:ts"),
    _set("ts", "2026-W02-1T10:00:00Z", "bad_type:ts"),
    _set("ts", "2026-01-05T10Z", "bad_type:ts"),
    _set("ts", "2026-01-05T10:00:00+0500", "bad_type:ts"),
    _set("ts", "2026-01-05T10:00:00", "bad_type:ts"),
    _set("ts", 1767607200, "bad_type:ts"),
    _set("ts", "9999-12-31T23:30:00-05:00", "out_of_range:ts"),
    _set("ts", "0001-01-01T00:10:00+01:00", "out_of_range:ts"),
    _set("schema_version", 2, "out_of_range:schema_version"),
]


def _deep(depth: int) -> Mutation:
    def mutate(event: dict[str, object], n: int) -> tuple[bytes, str]:
        return _dump(event)[:-1] + b',"deep":' + b"[" * depth + b"]" * depth + b"}", "too_deep"
    return mutate


def _nul(event: dict[str, object], n: int) -> tuple[bytes, str]:
    return _dump(event)[:-1] + b',"note":"a\\u0000b"}', "out_of_range:note"


COMMON += [_deep(500), _deep(2000), _nul]

# Per event type: mutations that break a field of that type.
BY_KIND: dict[str, list[Mutation]] = {
    "agent_response": [
        _drop("agent_id"), _drop("session_id"), _drop("turn"),
        _set("turn", 0, "out_of_range:turn"), _set("turn", 2**31, "out_of_range:turn"),
        _set("turn", "3", "bad_type:turn"), _set("turn", 2.5, "bad_type:turn"),
        _set("input_tokens", 2**63, "out_of_range:input_tokens"),
        _set("input_tokens", -1, "out_of_range:input_tokens"),
        _set("output_tokens", True, "bad_type:output_tokens"),
        _set("confidence", 1.5, "out_of_range:confidence"), _set("confidence", "high", "bad_type:confidence"),
        _set("token_logprobs", [-0.1, 0.2], "out_of_range:token_logprobs"),
        _set("token_logprobs", "x", "bad_type:token_logprobs"),
        _set("status", "exploded", "out_of_range:status"),
        _set("shadow_of", "p" * 129, "out_of_range:shadow_of"),
        _set("decision", {"value": 1}, "missing_field:decision.name"),
        _set("flags", "hallucination", "bad_type:flags"),
    ],
    "user_message": [_drop("session_id"), _set("turn", -3, "out_of_range:turn"),
                     _set("facts_provided", [1], "bad_type:facts_provided")],
    "review": [_drop("target_event_id"), _set("verdict", "maybe", "out_of_range:verdict"),
               _set("target_event_id", "t" * 129, "out_of_range:target_event_id")],
    "escalation": [_drop("kind"), _set("kind", "rage", "out_of_range:kind")],
    "workflow_run": [_drop("workflow_run_id"), _set("status", "paused", "out_of_range:status")],
    "workflow_step": [
        _drop("step_id"), _set("started_at", "0001-01-01T00:30:00+05:00", "out_of_range:started_at"),
        _set("started_at", "2026-01-05T09:59Z", "bad_type:started_at"),
        _set("depends_on", "s0", "bad_type:depends_on"),
    ],
}

# Valid variations: accepted.
VALID: list[Callable[[dict[str, object]], dict[str, object]]] = [
    lambda e: e,
    lambda e: {**e, "ts": "2016-12-31T23:59:60Z"},
    lambda e: {**e, "ts": "2026-01-05t10:00:00.123456789z"},
    lambda e: {**e, "ts": "2026-01-05T15:30:00+05:30"},
    lambda e: {**e, "region": "eu", "simulations": [{"id": 1}], "resourceSpans": []},
    lambda e: {**e, "nested": [[[[{"a": [1, 2]}]]]]},
    lambda e: {**e, "big": 2**64 - 1, "text_field": "ünïcødé ✓"},
]


def generate(n_lines: int = 400, seed: int = 12) -> list[FuzzLine]:
    """`n_lines` unique lines, about half valid, every mutation class at least once."""
    rng = random.Random(seed)
    lines: list[FuzzLine] = [FuzzLine(b"[1,2]", "bad_json")]  # first: looks like tau-bench
    valid_lines: list[FuzzLine] = []
    mutations = [(None, m) for m in COMMON] + [(k, m) for k, ms in BY_KIND.items() for m in ms]
    pending = list(mutations)  # each mutation once, then at random
    n = 0
    while len(lines) < n_lines:
        n += 1
        roll = rng.random()
        if pending or roll < 0.45:
            kind, mutation = pending.pop(0) if pending else rng.choice(mutations)
            kind = kind or rng.choice(KINDS)
            event = _event(kind, n, rng)
            event["event_id"] = f"m{n}"
            raw, reason = mutation(event, n)
            lines.append(FuzzLine(raw, reason))
        elif roll < 0.50 and valid_lines:
            original = rng.choice(valid_lines)
            if rng.random() < 0.5:
                lines.append(FuzzLine(original.raw, "duplicate", original.event_id))
            else:  # same id, other content: the first one wins
                other = orjson.loads(original.raw)
                other["conflict"] = n
                lines.append(FuzzLine(_dump(other), "conflicting_duplicate"))
        elif roll < 0.52:
            lines.append(FuzzLine(b'{"event_id":"long%d","pad":"' % n + b"x" * (1024 * 1024 + 10) + b'"}',
                                  "line_too_long"))
        else:
            event = rng.choice(VALID)(_event(rng.choice(KINDS), n, rng))
            line = FuzzLine(_dump(event), "accept", str(event["event_id"]))
            lines.append(line)
            valid_lines.append(line)
    return lines
