"""Validation walks the event's own keys and accepts common values inline: same rows, same
first violation as checking every named field in the contract's fixed order."""

from __future__ import annotations

import math
import random
from typing import Any

import orjson
import pytest

from agent_monitor.lib.ingest import validate as v
from agent_monitor.lib.ingest.fields import EVENT_TYPES, REQUIRED_FIELDS, TYPE_FIELDS

TS = "2026-01-05T10:00:00Z"


def _reference(event: dict[str, Any], store_text: bool) -> dict[str, Any]:
    """The row as the field-by-field path builds it: every named field in sorted order."""
    event_type, row = v.header_row(event)
    for name in v._OPTIONAL_FIELDS[event_type]:
        value = event.get(name)
        if value is not None:
            row.update(v._typed_field(event_type, name, value))
    if event_type == "agent_response":
        v.complete_response(row, event, store_text)
    extra = {k: value for k, value in event.items() if k not in v._NAMED_FIELDS[event_type]}
    row["attributes"] = extra or None
    return row


def _outcome(function: Any, event: dict[str, Any], store_text: bool) -> Any:
    try:
        return ("row", function(event, store_text))
    except v.Rejected as rejection:
        return ("rejected", rejection.reason, rejection.detail)


def test_the_first_violation_in_the_fixed_order_is_reported_whatever_the_key_order() -> None:
    # `turn` 0 and `confidence` 2 are both out of range; `confidence` sorts first.
    event = {"turn": 0, "confidence": 2.0, "event_id": "e", "event_type": "agent_response", "ts": TS,
             "agent_id": "a", "session_id": "s"}
    with pytest.raises(v.Rejected) as caught:
        v.validate_event(event)
    assert caught.value.reason == "out_of_range:confidence"
    # A non-string `verdict` (bad type) after an over-long `target_event_id` (sorted first).
    review = {"verdict": 3, "target_event_id": "x" * 129, "event_id": "r", "event_type": "review", "ts": TS}
    with pytest.raises(v.Rejected) as caught:
        v.validate_event(review)
    assert caught.value.reason == "out_of_range:target_event_id"


def test_a_common_response_row_worked_by_hand() -> None:
    event = {"event_id": "e1", "event_type": "agent_response", "ts": "2026-01-05T10:00:00.5Z", "agent_id": "a",
             "session_id": "s", "turn": 2, "confidence": 0.5, "latency_ms": 12.5, "input_tokens": 3,
             "confidence_source": "logprob", "flags": ["hallucination:x"], "model": "m", "text": "a b c a b c"}
    row = v.validate_event(event).row
    assert row["turn"] == 2 and row["confidence"] == 0.5 and row["latency_ms"] == 12.5
    assert row["input_tokens"] == 3 and row["confidence_source"] == "logprob"
    assert row["flags"] == ["hallucination:x"] and row["has_hallucination_flag"] is True
    assert (row["status"], row["deployment"]) == ("ok", "primary")
    assert row["attributes"] == {"model": "m"}
    assert "text" not in row
    # 6 words, 4 trigrams, 3 distinct (a b c twice): 1 - 3/4.
    assert row["repeated_trigram_rate"] == 0.25
    assert row["ts_epoch"] == 1767607200.5


# Per field: valid values in their common form, valid values in another form (ints for
# floats), and invalid ones of every kind.
VALUES: dict[str, list[Any]] = {
    "plain": ["x", "", "é\t", 3, None, ["x"], True],
    "turn": [1, 2**31 - 1, 2**31, 0, -1, True, 1.0, "1", None],
    "count": [0, 5, 2**63 - 1, 2**63, -1, False, 2.0, None],
    "string_list": [[], ["a", "b"], ["a", 1], "a", [None], None],
    "confidence": [0.0, 0.5, 1.0, 1, 0, 1.5, -0.1, True, "0.5", math.nan, None],
    "latency": [0.0, 12.5, 7, -1.0, -0.0, 1e308, math.inf, math.nan, True, "1", None],
    "token_logprobs": [[-0.1, -2.0], [0.5], [], ["x"], [-1], "x", None],
    "top_logprobs": [[[-0.1, -1.0]], [[]], [[0.3]], ["x"], [], "x", None],
    "decision": [{"name": "d", "value": [1, {"b": 2, "a": 1}], "path": "p"}, {"name": "d"}, {"value": 1},
                 {"name": 1}, {"name": "d", "path": 2}, "d", None],
    "started_at": ["2026-01-05T09:00:00Z", "2026-01-05T09:00:00+05:00", "bad", 5, "9999-12-31T23:59:59-01:00",
                   None],
    "ref": ["e0", "x" * 128, "x" * 129, 5, None],
}


def _values_for(event_type: str, name: str) -> list[Any]:
    rule = v._RULES[event_type][name]
    if isinstance(rule, frozenset):
        return [*sorted(rule), "nope", 1, None]
    if name in ("token_logprobs", "top_logprobs", "decision", "started_at"):
        return VALUES[name]
    if name in ("shadow_of", "target_event_id"):
        return VALUES["ref"]
    return VALUES[rule]  # type: ignore[index]


def _generated_event(rng: random.Random, n: int) -> dict[str, Any]:
    event_type = rng.choice(EVENT_TYPES)
    event: dict[str, Any] = {"event_id": f"e{n}", "event_type": event_type, "ts": TS}
    fields = list(TYPE_FIELDS[event_type]) + ["agent_id", "agent_version", "session_id", "turn", "trace_id",
                                              "span_id"]
    for name in fields:
        required = name in REQUIRED_FIELDS[event_type]
        if required or rng.random() < 0.5:
            values = _values_for(event_type, name)
            # Mostly the first (valid) values, so that many events pass.
            event[name] = values[0] if rng.random() < 0.6 else rng.choice(values)
            if required and event[name] is None:
                event[name] = values[0]
    if rng.random() < 0.3:
        event["model"] = rng.choice(["m", 1, None, {"k": [1]}])
    items = list(event.items())
    rng.shuffle(items)
    return dict(items)


@pytest.mark.parametrize("store_text", [False, True])
def test_generated_events_give_the_rows_and_reasons_of_the_fixed_order_path(store_text: bool) -> None:
    rng = random.Random(5)
    events = [_generated_event(rng, n) for n in range(4000)]
    outcomes = {"row": 0, "rejected": 0}
    for event in events:
        fast = _outcome(lambda e, s: v.validate_event(e, store_text=s).row, event, store_text)
        slow = _outcome(_reference, event, store_text)
        assert fast == slow, orjson.dumps(event)
        outcomes[fast[0]] += 1
    # Both kinds of outcome are well represented.
    assert outcomes["row"] > 300 and outcomes["rejected"] > 300
