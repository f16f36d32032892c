"""The SPEC §1 event contract as data: which fields each event type names and requires."""

from __future__ import annotations

EVENT_TYPES = (
    "agent_response",
    "user_message",
    "review",
    "escalation",
    "workflow_run",
    "workflow_step",
)

COMMON_FIELDS = (
    "event_id", "event_type", "ts", "agent_id", "agent_version", "session_id", "turn",
    "trace_id", "span_id", "schema_version",
)

# Fields each type names besides the common ones (others go to `attributes`).
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "agent_response": (
        "confidence", "confidence_source", "token_logprobs", "top_logprobs", "input_tokens",
        "output_tokens", "latency_ms", "status", "error_type", "text", "input_hash",
        "facts_referenced", "fields_requested", "decision", "deployment", "shadow_of", "flags",
        "workflow_run_id", "step_id",
    ),
    "user_message": ("facts_provided", "fields_provided"),
    "review": ("target_event_id", "verdict", "reviewer"),
    "escalation": ("kind",),
    "workflow_run": ("workflow_id", "workflow_run_id", "status"),
    "workflow_step": (
        "workflow_id", "workflow_run_id", "step_id", "depends_on", "status", "started_at",
        "error_type",
    ),
}

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "agent_response": ("agent_id", "session_id", "turn"),
    "user_message": ("session_id", "turn"),
    "review": ("target_event_id", "verdict"),
    "escalation": ("session_id", "kind"),
    "workflow_run": ("workflow_id", "workflow_run_id", "status"),
    "workflow_step": ("workflow_id", "workflow_run_id", "step_id", "agent_id", "status"),
}

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("agent_response", "confidence_source"): ("self_reported", "logprob", "proxy"),
    ("agent_response", "status"): ("ok", "error"),
    ("agent_response", "deployment"): ("primary", "shadow"),
    ("review", "verdict"): ("correct", "incorrect", "unverifiable"),
    ("escalation", "kind"): ("handoff_request", "abandon"),
    ("workflow_run", "status"): ("started", "completed", "failed", "abandoned"),
    ("workflow_step", "status"): ("succeeded", "failed", "timed_out", "skipped"),
}

STRING_FIELDS = frozenset({
    "agent_id", "agent_version", "session_id", "trace_id", "span_id", "error_type", "text",
    "input_hash", "shadow_of", "workflow_run_id", "step_id", "target_event_id", "reviewer",
    "workflow_id",
})
STRING_LIST_FIELDS = frozenset({
    "facts_referenced", "fields_requested", "flags", "facts_provided", "fields_provided",
    "depends_on",
})
NON_NEGATIVE_INT_FIELDS = frozenset({"input_tokens", "output_tokens"})

MAX_EVENT_ID_LENGTH = 128
# Columns of `raw_events` that hold another event's id are as long as `event_id`.
EVENT_ID_REFERENCE_FIELDS = frozenset({"shadow_of", "target_event_id"})
# What the warehouse columns can hold, checked before the write (a value outside them would
# make the database refuse the whole batch): `turn` is a 32-bit column, token counts 64-bit.
MAX_TURN = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# Arrays and objects nested deeper than this (the event object is level 1) are refused with
# `too_deep`: canonical JSON encoding and JSONB handle far less than the decoder accepts.
MAX_NESTING_DEPTH = 128
SUPPORTED_SCHEMA_VERSIONS = (1,)
