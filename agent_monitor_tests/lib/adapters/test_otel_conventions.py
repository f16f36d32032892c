"""One conversation in every GenAI message form: pre-1.37 events and 1.37+ attributes.

Two turns of session conv-1, agent "support" (gpt-4.1 via openai):
1. user: "Hi, my user ID is mia_li_3668 and order #W2378156 is late."
   agent: "Let me check order #W2378165." + get_order_details {"order_id": "#W2378165"}
   (a transposition of the user's order: 2 edits, nothing showed W2378165 before)
2. tool result "Error: order not found"; user: "Could you check again?"
   agent: "Sorry. Could you please provide your user ID?" (given at turn 1: a re-ask)
Every form must give exactly the same events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from agent_monitor.lib.adapters import otel
from agent_monitor.lib.metrics.coherence import session_profile

TRACE = "5bf92f3577b34da6a3ce929d0e0e4736"
T0 = 1_741_608_000_000_000_000
SECOND = 1_000_000_000
SYSTEM = "You are support."
USER1 = "Hi, my user ID is mia_li_3668 and order #W2378156 is late."
AGENT1 = "Let me check order #W2378165."
CALL = {"order_id": "#W2378165"}
USER2 = "Could you check again?"
AGENT2 = "Sorry. Could you please provide your user ID?"
RESULT = "Error: order not found"


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": _value(v)} for k, v in value.items()]}}
    raise TypeError(value)


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v)} for k, v in values.items()]


def _span(span_id: str, name: str, start: int, end: int, attributes: dict[str, Any],
          parent: str | None = None, events: list[dict[str, Any]] | None = None,
          kind: int = 1) -> dict[str, Any]:
    span = {"traceId": TRACE, "spanId": span_id, "name": name, "kind": kind,
            "startTimeUnixNano": str(T0 + start * SECOND), "endTimeUnixNano": str(T0 + end * SECOND),
            "attributes": _attrs(attributes), "status": {}}
    if parent:
        span["parentSpanId"] = parent
    if events:
        span["events"] = [{"name": n, "timeUnixNano": str(T0 + start * SECOND),
                           "attributes": _attrs(a)} for n, a in events]
    return span


def _agent(turn: int, extra: dict[str, Any], events: list[Any] | None = None,
           span_id: str | None = None, parent: str | None = None) -> dict[str, Any]:
    attributes = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support",
                  "gen_ai.conversation.id": "conv-1", "gen_ai.request.model": "gpt-4.1", **extra}
    start = 10 * turn
    return _span(span_id or f"b00000000000000{turn}", "invoke_agent support", start, start + 5,
                 attributes, parent, events)


# 1.37+ messages (parts)
def _new_messages(turn: int) -> tuple[list[Any], list[Any]]:
    history = [{"role": "user", "parts": [{"type": "text", "content": USER1}]}]
    call = {"type": "tool_call", "id": "c1", "name": "get_order_details", "arguments": CALL}
    if turn == 1:
        return history, [{"role": "assistant", "finish_reason": "tool_call",
                          "parts": [{"type": "text", "content": AGENT1}, call]}]
    history += [
        {"role": "assistant", "parts": [{"type": "text", "content": AGENT1}, call]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": RESULT}]},
        {"role": "user", "parts": [{"type": "text", "content": USER2}]},
    ]
    return history, [{"role": "assistant", "finish_reason": "stop",
                      "parts": [{"type": "text", "content": AGENT2}]}]


def _new_attributes(turn: int, as_json: bool) -> dict[str, Any]:
    inputs, outputs = _new_messages(turn)
    system = [{"type": "text", "content": SYSTEM}]
    encode = (lambda v: orjson.dumps(v).decode()) if as_json else (lambda v: v)
    return {"gen_ai.input.messages": encode(inputs), "gen_ai.output.messages": encode(outputs),
            "gen_ai.system_instructions": encode(system)}


def form_new_json() -> list[dict[str, Any]]:
    return [_agent(t, {"gen_ai.provider.name": "openai", **_new_attributes(t, True)})
            for t in (1, 2)]


def form_new_structured() -> list[dict[str, Any]]:
    return [_agent(t, {"gen_ai.provider.name": "openai", **_new_attributes(t, False)})
            for t in (1, 2)]


def form_new_details_event() -> list[dict[str, Any]]:
    return [_agent(t, {"gen_ai.provider.name": "openai"},
                   [("gen_ai.client.inference.operation.details", _new_attributes(t, True))])
            for t in (1, 2)]


def form_new_nested_spans() -> list[dict[str, Any]]:
    """Client invoke_agent around the agent's internal span; messages on the chat span inside;
    the tool as `execute_tool get_order_details` with gen_ai.tool.call.arguments/.result."""
    spans = []
    for turn in (1, 2):
        client = f"c00000000000000{turn}"
        agent = f"b00000000000000{turn}"
        start = 10 * turn
        spans.append(_span(client, "invoke_agent support", start, start + 5, {
            "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support",
            "gen_ai.conversation.id": "conv-1", "gen_ai.provider.name": "openai"}, kind=3))
        spans.append(_agent(turn, {"gen_ai.provider.name": "openai"}, parent=client))
        spans.append(_span(f"d00000000000000{turn}", "chat gpt-4.1", start + 1, start + 2, {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            **_new_attributes(turn, True)}, parent=agent))
        if turn == 1:
            spans.append(_span("e000000000000001", "execute_tool get_order_details", start + 3,
                               start + 4, {"gen_ai.operation.name": "execute_tool",
                                           "gen_ai.tool.call.arguments": orjson.dumps(CALL).decode(),
                                           "gen_ai.tool.call.result": RESULT}, parent=agent))
    return spans


def _old_call() -> str:
    return orjson.dumps([{"id": "c1", "type": "function", "function": {
        "name": "get_order_details", "arguments": orjson.dumps(CALL).decode()}}]).decode()


def form_old_message_events() -> list[dict[str, Any]]:
    spans = []
    for turn in (1, 2):
        events: list[Any] = [("gen_ai.system.message", {"content": SYSTEM}),
                             ("gen_ai.user.message", {"content": USER1})]
        if turn == 1:
            events.append(("gen_ai.choice", {"index": 0, "finish_reason": "tool_calls",
                                             "message": orjson.dumps({"content": AGENT1, "tool_calls": orjson.loads(_old_call())}).decode()}))
        else:
            events += [("gen_ai.assistant.message", {"content": AGENT1, "tool_calls": _old_call()}),
                       ("gen_ai.tool.message", {"content": RESULT, "id": "c1"}),
                       ("gen_ai.user.message", {"gen_ai.event.content": orjson.dumps({"content": USER2}).decode()}),
                       ("gen_ai.choice", {"index": 0, "finish_reason": "stop",
                                          "message": orjson.dumps({"content": AGENT2}).decode()})]
        spans.append(_agent(turn, {"gen_ai.system": "openai"}, events))
    return spans


def form_old_prompt_completion() -> list[dict[str, Any]]:
    spans = []
    for turn in (1, 2):
        prompt = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER1}]
        if turn == 1:
            completion = [{"role": "assistant", "content": AGENT1,
                           "tool_calls": orjson.loads(_old_call())}]
        else:
            prompt += [{"role": "assistant", "content": AGENT1, "tool_calls": orjson.loads(_old_call())},
                       {"role": "tool", "content": RESULT, "tool_call_id": "c1"},
                       {"role": "user", "content": USER2}]
            completion = [{"role": "assistant", "content": AGENT2}]
        spans.append(_agent(turn, {"gen_ai.system": "openai"}, [
            ("gen_ai.content.prompt", {"gen_ai.prompt": orjson.dumps(prompt).decode()}),
            ("gen_ai.content.completion", {"gen_ai.completion": orjson.dumps(completion).decode()}),
        ]))
    return spans


FORMS = {f.__name__: f for f in (form_new_json, form_new_structured, form_new_details_event,
                                 form_new_nested_spans, form_old_message_events,
                                 form_old_prompt_completion)}


def _events(tmp_path: Path, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    path = tmp_path / "spans.jsonl"
    line = {"resourceSpans": [{"resource": {"attributes": _attrs({"service.name": "svc"})},
                               "scopeSpans": [{"spans": spans}]}]}
    path.write_bytes(orjson.dumps(line) + b"\n")
    records = list(otel.iter_records(path))
    assert all(r.event is not None for r in records)
    return [r.event for r in records if r.event is not None]


EXPECTED = [
    {"event_type": "user_message", "turn": 1, "ts": "2025-03-10T12:00:10.000000Z",
     "facts_provided": ["order:W2378156", "order:W2378156=W2378156", "user:mia_li_3668"],
     "fields_provided": ["order_id", "user_id"]},
    {"event_type": "agent_response", "turn": 1, "text": AGENT1,
     "tool_calls": ["get_order_details"],
     "facts_referenced": ["order:W2378156=W2378165", "order:W2378165"], "provider": "openai"},
    {"event_type": "user_message", "turn": 2, "ts": "2025-03-10T12:00:20.000000Z",
     "facts_provided": []},
    {"event_type": "agent_response", "turn": 2, "text": AGENT2, "facts_referenced": [],
     "fields_requested": ["user_id"], "provider": "openai"},
]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_gives_the_same_events(tmp_path: Path, form: str) -> None:
    events = [e for e in _events(tmp_path, FORMS[form]())
              if e["event_type"] in ("user_message", "agent_response")]
    view = [{k: v for k, v in e.items() if k in EXPECTED[i]} for i, e in enumerate(events)]
    assert view == EXPECTED
    assert [e["event_id"] for e in events] == [
        f"otel:{TRACE}:b000000000000001:user:1", f"otel:{TRACE}:b000000000000001",
        f"otel:{TRACE}:b000000000000002:user:1", f"otel:{TRACE}:b000000000000002"]
    assert {(e["session_id"], e.get("agent_id", "support")) for e in events} == {("conv-1", "support")}


def test_all_forms_are_identical_event_for_event(tmp_path: Path) -> None:
    reference = _events(tmp_path, form_new_json())
    for name, form in FORMS.items():
        if name != "form_new_nested_spans":  # it has two more spans: same events checked above
            assert _events(tmp_path, form()) == reference, name


def test_the_profiler_reads_the_otel_conversation(tmp_path: Path) -> None:
    from datetime import datetime

    rows = [{**e, "ts": datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))}
            for e in _events(tmp_path, form_old_message_events())]
    profile = session_profile(rows)
    assert [(f.kind, f.turn, f.detail) for f in profile.findings] == [
        ("contradicted_fact", 1, "order:W2378156: W2378156 -> W2378165"),
        ("reasked_field", 2, "user_id"),
    ]
