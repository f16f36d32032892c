"""OTel adapter on the span fixtures: workflow runs, steps, turns, evaluations, rejects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters import otel
from agent_monitor.lib.adapters.otel_spans import any_value
from agent_monitor_tests.lib.adapters.conftest import OTEL_FIXTURES

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
RUN = f"otel:{TRACE}:a000000000000001"
# Span ids in multi_agent_workflow.jsonl (times in s after 2025-03-10T12:00:00Z):
# …01 workflow trip_planner 0–60 ERROR; …02 planner 1–10; …03 researcher 11–40 ERROR;
# …04 writer 41–55 (evaluations); …05 search_flights 15–20 and …06 fetch_prices 21–30 (ERROR)
# under researcher; …07 chat 12–14 under researcher (no agent name); …08 lookup_user 2–4 and
# …09 lookup_calendar 2–5 under planner.
PLANNER, RESEARCHER, WRITER = "a000000000000002", "a000000000000003", "a000000000000004"
SEARCH, FETCH, INNER_CHAT = "a000000000000005", "a000000000000006", "a000000000000007"
LOOKUP_USER, LOOKUP_CAL = "a000000000000008", "a000000000000009"


def _events(name: str) -> list[dict[str, Any]]:
    return [r.event for r in otel.iter_records(OTEL_FIXTURES / name) if r.event is not None]


def test_workflow_runs_and_steps() -> None:
    events = _events("multi_agent_workflow.jsonl")
    runs = [(e["status"], e["ts"]) for e in events if e["event_type"] == "workflow_run"]
    assert runs == [("started", "2025-03-10T12:00:00.000000Z"),
                    ("failed", "2025-03-10T12:01:00.000000Z")]
    steps = {e["step_id"]: e for e in events if e["event_type"] == "workflow_step"}
    # 3 agent spans + 4 tool spans are steps; the inner chat span is not.
    assert set(steps) == {PLANNER, RESEARCHER, WRITER, SEARCH, FETCH, LOOKUP_USER, LOOKUP_CAL}
    assert all(s["workflow_run_id"] == RUN and s["workflow_id"] == "trip_planner"
               for s in steps.values())
    expected = {
        PLANNER: ([], "succeeded", "planner"),  # first child of the workflow
        RESEARCHER: ([PLANNER], "failed", "researcher"),
        WRITER: ([RESEARCHER], "succeeded", "writer"),  # starts at 41 after researcher ends at 40
        LOOKUP_USER: ([PLANNER], "succeeded", "planner"),  # parallel pair: both on their parent
        LOOKUP_CAL: ([PLANNER], "succeeded", "planner"),
        SEARCH: ([RESEARCHER], "succeeded", "researcher"),
        FETCH: ([SEARCH], "failed", "researcher"),  # starts at 21 after search ends at 20
    }
    assert {k: (s["depends_on"], s["status"], s["agent_id"]) for k, s in steps.items()} == expected
    assert steps[FETCH]["error_type"] == "ConnectionError"
    assert steps[FETCH]["started_at"] == "2025-03-10T12:00:21.000000Z"
    assert steps[FETCH]["ts"] == "2025-03-10T12:00:30.000000Z"


def test_agent_responses_turns_and_evaluations() -> None:
    responses = {e["span_id"]: e for e in _events("multi_agent_workflow.jsonl")
                 if e["event_type"] == "agent_response"}
    assert set(responses) == {PLANNER, RESEARCHER, WRITER}
    assert [responses[s]["turn"] for s in (PLANNER, RESEARCHER, WRITER)] == [1, 2, 3]
    assert {r["session_id"] for r in responses.values()} == {"conv-trip-1"}
    planner = responses[PLANNER]
    assert (planner["latency_ms"], planner["input_tokens"], planner["output_tokens"]) == (
        9000.0, 1200, 150)  # 1 s to 10 s
    assert planner["event_id"] == f"otel:{TRACE}:{PLANNER}"
    assert (responses[RESEARCHER]["status"], responses[RESEARCHER]["error_type"]) == (
        "error", "tool_error")
    # Hallucination evaluation labelled "hallucinated" -> flag; "relevant" passes.
    assert responses[WRITER]["flags"] == ["hallucination"]
    assert [e["name"] for e in responses[WRITER]["evaluations"]] == ["Hallucination", "Relevance"]


def test_plain_chat_conversation() -> None:
    events = _events("chat_conversation.jsonl")
    # Three chat spans (100–101.5 s, 130–132.25 s, 160–190 s) and an embeddings span (no event).
    assert [(e["turn"], e["latency_ms"], e["status"]) for e in events] == [
        (1, 1500.0, "ok"), (2, 2250.0, "ok"), (3, 30000.0, "error")]
    assert {e["session_id"] for e in events} == {"conv-chat-42"}
    assert {e["agent_id"] for e in events} == {"support-bot"}  # service.name: no agent name
    assert {e["agent_version"] for e in events} == {"gpt-4o-mini-2024-07-18"}
    assert events[2]["error_type"] == "timeout"


def test_malformed_spans_are_rejected_with_reasons() -> None:
    records = list(otel.iter_records(OTEL_FIXTURES / "malformed_spans.jsonl"))
    rejects = [(r.location, r.reject_reason) for r in records if r.reject_reason]
    assert rejects == [
        (1, "missing_field:traceId"),
        (2, "missing_field:spanId"),
        (3, "missing_field:startTimeUnixNano"),
        (4, "bad_type:gen_ai.usage.input_tokens"),  # stringValue "many"
        (5, "bad_type:gen_ai.usage.output_tokens"),  # intValue "12x"
        (6, "out_of_range:gen_ai.operation.name"),  # "summon_demon"
        (7, "out_of_range:endTimeUnixNano"),  # ends before it starts
        (9, "bad_json"),  # the broken line between the two batches
    ]
    assert all(r.raw and r.reject_detail for r in records if r.reject_reason)
    accepted = [(r.location, r.event["turn"]) for r in records if r.event is not None]
    assert accepted == [(8, 1), (10, 2)]


def test_any_value_decodes_otlp_json() -> None:
    assert any_value({"intValue": "512"}, "k") == 512
    assert any_value({"arrayValue": {"values": [{"stringValue": "a"}, {"boolValue": True}]}},
                     "k") == ["a", True]
    assert any_value({}, "k") is None


def test_gzipped_spans_give_the_same_events(tmp_path: Path) -> None:
    import gzip

    source = OTEL_FIXTURES / "multi_agent_workflow.jsonl"
    packed = tmp_path / "spans.jsonl.gz"
    packed.write_bytes(gzip.compress(source.read_bytes()))
    assert _events_of(packed) == _events_of(source)


def _events_of(path: Path) -> list[dict[str, Any]]:
    return [r.event for r in otel.iter_records(path) if r.event is not None]
