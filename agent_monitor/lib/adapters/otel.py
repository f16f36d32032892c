"""OpenTelemetry GenAI spans (OTLP/JSON file exporter output) -> SPEC §1 events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters.common import format_ts, nanos_to_datetime, reject_record
from agent_monitor.lib.adapters.otel_dialogue import Dialogue
from agent_monitor.lib.adapters.otel_index import (
    SpanIndex,
    agent_label,
    build_index,
    workflow_name,
)
from agent_monitor.lib.adapters.otel_spans import Span, iter_raw_spans
from agent_monitor.lib.ingest.records import SourceRecord

# Evaluation labels that mean the output failed the evaluation.
FAILING_LABELS = frozenset({
    "fail", "failed", "failure", "false", "incorrect", "hallucinated", "hallucination",
    "not_relevant", "irrelevant", "ungrounded", "not_grounded", "unfaithful", "unsafe", "toxic",
})
HALLUCINATION_NAMES = ("hallucination", "groundedness", "faithfulness")


def evaluation_flags(evaluations: list[dict[str, Any]]) -> list[str]:
    """Flags for failed evaluations: `hallucination` or `eval_failed:<name>`."""
    flags: set[str] = set()
    for evaluation in evaluations:
        label = str(evaluation.get("gen_ai.evaluation.score.label") or "").lower()
        if label not in FAILING_LABELS:
            continue
        name = str(evaluation["gen_ai.evaluation.name"]).lower()
        if any(word in name for word in HALLUCINATION_NAMES):
            flags.add("hallucination")
        else:
            flags.add(f"eval_failed:{name}")
    return sorted(flags)


def _evaluation_summary(evaluation: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": evaluation.get("gen_ai.evaluation.name"),
        "score": evaluation.get("gen_ai.evaluation.score.value"),
        "label": evaluation.get("gen_ai.evaluation.score.label"),
        "explanation": evaluation.get("gen_ai.evaluation.explanation"),
    }


def _version(span: Span) -> str | None:
    attributes = span.attributes
    for key in ("gen_ai.agent.version", "gen_ai.response.model", "gen_ai.request.model"):
        if isinstance(attributes.get(key), str):
            return str(attributes[key])
    return None


def _common(span: Span, suffix: str, event_type: str, ts_ns: int) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": f"otel:{span.trace_id}:{span.span_id}{suffix}",
        "event_type": event_type,
        "ts": format_ts(nanos_to_datetime(ts_ns)),
        "trace_id": span.trace_id,
        "span_id": span.span_id,
    }
    return event


def _error_type(span: Span) -> str:
    return str(span.attributes.get("error.type") or "span_error")


def workflow_events(span: Span) -> list[dict[str, Any]]:
    """invoke_workflow -> workflow_run started at the span start, completed/failed at its end."""
    run_id = f"otel:{span.trace_id}:{span.span_id}"
    run = {"workflow_id": workflow_name(span), "workflow_run_id": run_id}
    started = {**_common(span, ":run:started", "workflow_run", span.start_ns), **run}
    started["status"] = "started"
    ended = {**_common(span, ":run:end", "workflow_run", span.end_ns), **run}
    ended["status"] = "failed" if span.is_error else "completed"
    if span.is_error:
        ended["error_type"] = _error_type(span)
    return [started, ended]


def response_event(span: Span, index: SpanIndex) -> dict[str, Any]:
    """An agent span -> agent_response."""
    key = (span.trace_id, span.span_id)
    event = _common(span, "", "agent_response", span.end_ns)
    event["agent_id"] = agent_label(span)
    version = _version(span)
    if version is not None:
        event["agent_version"] = version
    event["session_id"] = index.session_of(key)
    event["turn"] = index.turns[key]
    event["latency_ms"] = (span.end_ns - span.start_ns) / 1_000_000
    for source, target in (("input_tokens", "input_tokens"), ("output_tokens", "output_tokens")):
        value = span.attributes.get(f"gen_ai.usage.{source}")
        if value is not None:
            event[target] = value
    event["status"] = "error" if span.is_error else "ok"
    if span.is_error:
        event["error_type"] = _error_type(span)
    evaluations = index.evaluations.get(key, [])
    if evaluations:
        event["flags"] = evaluation_flags(evaluations)
        event["evaluations"] = [_evaluation_summary(e) for e in evaluations]
    if key in index.steps:
        workflow = index.workflow_of[key]
        assert workflow is not None
        event["workflow_run_id"] = f"otel:{workflow[0]}:{workflow[1]}"
        event["step_id"] = span.span_id
    provider = span.attributes.get("gen_ai.provider.name") or span.attributes.get("gen_ai.system")
    if isinstance(provider, str):
        event["provider"] = provider
    _add_dialogue(event, index.dialogue.get(key))
    return event


def _add_dialogue(event: dict[str, Any], dialogue: Dialogue | None) -> None:
    """Text, tool calls and what the text says (facts, requests, profiler marks)."""
    if dialogue is None or dialogue.facts is None:
        return
    if dialogue.text:
        event["text"] = dialogue.text
    if dialogue.tool_names:
        event["tool_calls"] = dialogue.tool_names
    found = dialogue.facts
    event["facts_referenced"] = found.referenced
    if found.requested:
        event["fields_requested"] = found.requested
    if found.flags:
        event["profile_flags"] = found.flags


def user_events(span: Span, index: SpanIndex) -> list[dict[str, Any]]:
    """The new user messages in an agent span's input, at its start, in its turn."""
    key = (span.trace_id, span.span_id)
    dialogue = index.dialogue.get(key)
    if dialogue is None:
        return []
    events = []
    for number, user in enumerate(dialogue.users, start=1):
        event = _common(span, f":user:{number}", "user_message", span.start_ns)
        event.update(session_id=index.session_of(key), turn=index.turns[key],
                     facts_provided=user.facts)
        if user.fields:
            event["fields_provided"] = user.fields
        events.append(event)
    return events


def step_event(span: Span, index: SpanIndex) -> dict[str, Any]:
    """An agent or tool span inside a workflow -> workflow_step."""
    key = (span.trace_id, span.span_id)
    workflow = index.workflow_of[key]
    assert workflow is not None
    event = _common(span, ":step", "workflow_step", span.end_ns)
    agent = index.agent_of[key]
    named = span.attributes.get("gen_ai.agent.name") or span.attributes.get("gen_ai.agent.id")
    event["agent_id"] = (
        agent_label(span) if named or agent is None else index.nodes[agent].agent_id
    )
    event.update(
        workflow_id=index.nodes[workflow].workflow_name,
        workflow_run_id=f"otel:{workflow[0]}:{workflow[1]}",
        step_id=span.span_id,
        depends_on=index.depends_on[key],
        started_at=format_ts(nanos_to_datetime(span.start_ns)),
    )
    if span.is_error:
        error_type = _error_type(span)
        event["status"] = "timed_out" if "timeout" in error_type.lower() else "failed"
        event["error_type"] = error_type
    else:
        event["status"] = "succeeded"
    if index.kinds[key] == "tool" and index.nodes[key].tool_name:
        event["tool_name"] = index.nodes[key].tool_name
    return event


def span_events(span: Span, index: SpanIndex) -> list[dict[str, Any]]:
    """All events one span produces (none for inner model calls and non-agent spans)."""
    key = (span.trace_id, span.span_id)
    kind = index.kinds.get(key)
    events: list[dict[str, Any]] = []
    if kind == "workflow":
        events.extend(workflow_events(span))
    if kind == "agent":
        events.extend(user_events(span, index))
        events.append(response_event(span, index))
    if key in index.steps:
        events.append(step_event(span, index))
    return events


def iter_records(path: Path) -> Iterator[SourceRecord]:
    """Two streaming passes: index the span tree, then emit each span's events in file order."""
    index = build_index(path)
    for location, raw, parsed in iter_raw_spans(path):
        if not isinstance(parsed, Span):
            yield reject_record(location, raw, parsed)
            continue
        for event in span_events(parsed, index):
            yield SourceRecord(location=location, event=event)
