"""Read OTLP/JSON span files (Collector file exporter) into validated spans."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from agent_monitor.lib.adapters.common import AdapterReject, open_binary

KNOWN_OPERATIONS = frozenset({
    "chat", "text_completion", "generate_content", "invoke_agent", "execute_tool",
    "invoke_workflow", "create_agent", "embeddings", "retrieval",
})
EVALUATION_EVENT = "gen_ai.evaluation.result"
TRACE_ID = re.compile(r"[0-9a-fA-F]{32}")
SPAN_ID = re.compile(r"[0-9a-fA-F]{16}")
ERROR_CODES = frozenset({2, "2", "STATUS_CODE_ERROR"})
STATUS_CODES = frozenset({0, 1, "0", "1", "STATUS_CODE_UNSET", "STATUS_CODE_OK"}) | ERROR_CODES
INT_ATTRIBUTES = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
STR_ATTRIBUTES = (
    "gen_ai.operation.name", "gen_ai.agent.name", "gen_ai.agent.id", "gen_ai.agent.version",
    "gen_ai.conversation.id", "gen_ai.request.model", "error.type", "gen_ai.provider.name",
    "gen_ai.system",
)


@dataclass(frozen=True)
class Span:
    """One validated span with decoded attributes."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    is_error: bool
    evaluations: tuple[dict[str, Any], ...] = field(default=())
    # Other gen_ai.* span events (chat messages, operation details), in order.
    message_events: tuple[tuple[str, dict[str, Any]], ...] = field(default=())

    @property
    def operation(self) -> str | None:
        return self.attributes.get("gen_ai.operation.name")


def any_value(value: Any, key: str) -> Any:
    """Decode one OTLP AnyValue (`{"stringValue": ...}` and friends)."""
    if not isinstance(value, dict) or len(value) > 1:
        raise AdapterReject(f"bad_type:{key}", f"{key}: {value!r} is not an OTLP AnyValue")
    if not value:
        return None
    ((kind, inner),) = value.items()
    if kind == "stringValue" and isinstance(inner, str):
        return inner
    if kind == "boolValue" and isinstance(inner, bool):
        return inner
    if kind == "intValue" and isinstance(inner, int | str) and not isinstance(inner, bool):
        if isinstance(inner, int) or re.fullmatch(r"-?\d+", inner):
            return int(inner)
    if kind == "doubleValue" and isinstance(inner, int | float) and not isinstance(inner, bool):
        return float(inner)
    if kind == "arrayValue" and isinstance(inner, dict):
        return [any_value(item, key) for item in inner.get("values") or []]
    if kind == "kvlistValue" and isinstance(inner, dict):
        return decode_attributes(inner.get("values") or [], f"{key}.")
    if kind == "bytesValue" and isinstance(inner, str):
        return inner
    raise AdapterReject(f"bad_type:{key}", f"{key}: {kind}={inner!r} is not a valid {kind}")


def decode_attributes(items: Any, prefix: str = "") -> dict[str, Any]:
    """Decode an OTLP attribute list `[{key, value}]` into a dict."""
    if not isinstance(items, list):
        raise AdapterReject(f"bad_type:{prefix}attributes", "attributes must be a list")
    decoded: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise AdapterReject(f"bad_type:{prefix}attributes", f"attribute {item!r} has no key")
        key = item["key"]
        decoded[key] = any_value(item.get("value", {}), f"{prefix}{key}")
    return decoded


def _nanos(span: dict[str, Any], key: str) -> int:
    if key not in span:
        raise AdapterReject(f"missing_field:{key}", f"span has no {key}")
    value = span[key]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise AdapterReject(f"bad_type:{key}", f"{key}={value!r} is not unix nanoseconds")


def _span_id(span: dict[str, Any], key: str, pattern: re.Pattern[str]) -> str:
    if not span.get(key):
        raise AdapterReject(f"missing_field:{key}", f"span has no {key}")
    value = span[key]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise AdapterReject(f"bad_type:{key}", f"{key}={value!r} is not a hex id")
    return value.lower()


def _check_types(attributes: dict[str, Any]) -> None:
    for key in INT_ATTRIBUTES:
        value = attributes.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise AdapterReject(f"bad_type:{key}", f"{key}={value!r} is not an integer")
        if isinstance(value, int) and value < 0:
            raise AdapterReject(f"out_of_range:{key}", f"{key}={value} is negative")
    for key in STR_ATTRIBUTES:
        value = attributes.get(key)
        if value is not None and not isinstance(value, str):
            raise AdapterReject(f"bad_type:{key}", f"{key}={value!r} is not a string")
    operation = attributes.get("gen_ai.operation.name")
    if operation is not None and operation not in KNOWN_OPERATIONS:
        raise AdapterReject(
            "out_of_range:gen_ai.operation.name", f"unknown operation {operation!r}"
        )


def _evaluations(events: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(events, list):
        raise AdapterReject("bad_type:events", "events must be a list")
    found = []
    for event in events:
        if isinstance(event, dict) and event.get("name") == EVALUATION_EVENT:
            attributes = decode_attributes(event.get("attributes") or [], "events.")
            if not isinstance(attributes.get("gen_ai.evaluation.name"), str):
                raise AdapterReject(
                    "missing_field:gen_ai.evaluation.name", "evaluation result without a name"
                )
            found.append(attributes)
    return tuple(found)


def _message_events(events: Any) -> tuple[tuple[str, dict[str, Any]], ...]:
    """gen_ai.* events other than evaluations; one that does not decode is left out."""
    found = []
    for event in events if isinstance(events, list) else []:
        name = event.get("name") if isinstance(event, dict) else None
        if not isinstance(name, str) or not name.startswith("gen_ai.") or name == EVALUATION_EVENT:
            continue
        try:
            found.append((name, decode_attributes(event.get("attributes") or [], "events.")))
        except AdapterReject:
            continue
    return tuple(found)


def parse_span(span: Any, resource: dict[str, Any]) -> Span:
    """Validate one raw span; raises AdapterReject with a SPEC reason when it is unusable."""
    if not isinstance(span, dict):
        raise AdapterReject("bad_type:span", "a span must be an object")
    trace_id = _span_id(span, "traceId", TRACE_ID)
    span_id = _span_id(span, "spanId", SPAN_ID)
    start = _nanos(span, "startTimeUnixNano")
    end = _nanos(span, "endTimeUnixNano")
    if end < start:
        raise AdapterReject("out_of_range:endTimeUnixNano", f"ends {start - end} ns before start")
    attributes = decode_attributes(span.get("attributes") or [])
    _check_types(attributes)
    status = span.get("status") or {}
    code = status.get("code", 0) if isinstance(status, dict) else None
    if code not in STATUS_CODES:
        raise AdapterReject("bad_type:status.code", f"status {status!r} is not an OTLP status")
    parent = span.get("parentSpanId") or None
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent.lower() if isinstance(parent, str) else None,
        name=str(span.get("name") or ""),
        start_ns=start,
        end_ns=end,
        attributes=attributes,
        resource=resource,
        is_error=code in ERROR_CODES or attributes.get("error.type") is not None,
        evaluations=_evaluations(span.get("events") or []),
        message_events=_message_events(span.get("events") or []),
    )


def iter_raw_spans(path: Path) -> Iterator[tuple[int, Any, Span | AdapterReject]]:
    """Yield (1-based span position, raw item, parsed span or reject), line by line."""
    location = 0
    with open_binary(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                document = orjson.loads(line)
                batches = document["resourceSpans"]
                if not isinstance(batches, list):
                    raise TypeError("resourceSpans is not a list")
            except (orjson.JSONDecodeError, KeyError, TypeError) as error:
                location += 1
                yield location, line, AdapterReject("bad_json", f"not an OTLP JSON line: {error}")
                continue
            for batch in batches:
                batch = batch if isinstance(batch, dict) else {}
                try:
                    resource = decode_attributes(
                        (batch.get("resource") or {}).get("attributes") or [], "resource."
                    )
                    resource_error = None
                except AdapterReject as error:
                    resource, resource_error = {}, error
                for scope in batch.get("scopeSpans") or []:
                    for span in (scope or {}).get("spans") or []:
                        location += 1
                        if resource_error is not None:
                            yield location, span, resource_error
                            continue
                        try:
                            yield location, span, parse_span(span, resource)
                        except AdapterReject as error:
                            yield location, span, error
