"""A small SPEC §1 checker written from the spec text, independent of the ingestion code."""

from __future__ import annotations

import re
from typing import Any

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
EVENT_TYPES = {
    "agent_response",
    "user_message",
    "review",
    "escalation",
    "workflow_run",
    "workflow_step",
}
REQUIRED = {
    "agent_response": ("agent_id", "session_id", "turn"),
    "user_message": ("session_id", "turn"),
    "review": ("target_event_id", "verdict"),
    "escalation": ("session_id", "kind"),
    "workflow_run": ("workflow_id", "workflow_run_id", "status"),
    "workflow_step": ("workflow_id", "workflow_run_id", "step_id", "agent_id", "status"),
}
ENUMS = {
    ("review", "verdict"): {"correct", "incorrect", "unverifiable"},
    ("escalation", "kind"): {"handoff_request", "abandon"},
    ("workflow_run", "status"): {"started", "completed", "failed", "abandoned"},
    ("workflow_step", "status"): {"succeeded", "failed", "timed_out", "skipped"},
    ("agent_response", "status"): {"ok", "error"},
    ("agent_response", "deployment"): {"primary", "shadow"},
    ("agent_response", "confidence_source"): {"self_reported", "logprob", "proxy"},
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def problems(event: dict[str, Any]) -> list[str]:
    """Every way the event breaks SPEC §1 (empty when it is valid)."""
    found = []
    event_id = event.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 128:
        found.append("event_id")
    kind = event.get("event_type")
    if kind not in EVENT_TYPES:
        return found + ["event_type"]
    if not isinstance(event.get("ts"), str) or not RFC3339_UTC.match(event["ts"]):
        found.append("ts")
    for name in REQUIRED[kind]:
        if name not in event:
            found.append(f"missing:{name}")
    for (enum_kind, name), allowed in ENUMS.items():
        if enum_kind == kind and name in event and event[name] not in allowed:
            found.append(f"enum:{name}")
    if "turn" in event and (not isinstance(event["turn"], int) or event["turn"] < 1):
        found.append("turn")
    if kind == "agent_response":
        found += _response_problems(event)
    if kind == "user_message":
        for name in ("facts_provided", "fields_provided"):
            if name in event and not _strings(event[name]):
                found.append(name)
    if kind == "workflow_step":
        if "depends_on" in event and not _strings(event["depends_on"]):
            found.append("depends_on")
        if "started_at" in event and not RFC3339_UTC.match(event["started_at"]):
            found.append("started_at")
    return found


def _response_problems(event: dict[str, Any]) -> list[str]:
    found = []
    if "confidence" in event and not (_is_number(event["confidence"]) and 0 <= event["confidence"] <= 1):
        found.append("confidence")
    logprobs = event.get("token_logprobs")
    if logprobs is not None and not all(_is_number(v) and v <= 0 for v in logprobs):
        found.append("token_logprobs")
    tops = event.get("top_logprobs")
    if tops is not None and not all(isinstance(p, list) and all(_is_number(v) and v <= 0 for v in p) for p in tops):
        found.append("top_logprobs")
    for name in ("input_tokens", "output_tokens"):
        if name in event and (not isinstance(event[name], int) or event[name] < 0):
            found.append(name)
    if "latency_ms" in event and not (_is_number(event["latency_ms"]) and event["latency_ms"] >= 0):
        found.append("latency_ms")
    for name in ("facts_referenced", "fields_requested", "flags"):
        if name in event and not _strings(event[name]):
            found.append(name)
    decision = event.get("decision")
    if decision is not None and not (
        isinstance(decision, dict) and all(isinstance(decision.get(k), str) for k in ("name", "value", "path"))
    ):
        found.append("decision")
    if (event.get("deployment") == "shadow") != ("shadow_of" in event):
        found.append("shadow_of")
    return found
