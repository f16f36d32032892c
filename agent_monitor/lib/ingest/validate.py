"""Check one decoded event against SPEC §1 and turn it into a `raw_events` row."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from agent_monitor.lib.config import DEFAULT_SALT
from agent_monitor.lib.ingest import fields as spec
from agent_monitor.lib.ingest.derive import derived_columns
from agent_monitor.lib.ingest.timestamps import TimestampError, parse_rfc3339
from agent_monitor.lib.sampling import sampling_u


class Rejected(Exception):
    """The event breaks the contract; `reason` is the machine-readable quarantine reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ValidEvent(NamedTuple):
    row: dict[str, Any]

    @property
    def event_id(self) -> str:
        return str(self.row["event_id"])


def canonical_hash(event: dict[str, Any]) -> str:
    """SHA-256 of the event's canonical JSON: key order and whitespace do not matter."""
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()


def validate_event(event: Any, *, store_text: bool = False) -> ValidEvent:
    """Validate one event; raises `Rejected` with the first contract violation found."""
    event_type, row = header_row(event)
    try:
        extra = _named_fields_into(row, event, event_type)
    except Exception:
        # Report the first violation in the fixed order, whatever the event's key order (the
        # same check raises the same way for any other error, e.g. a decision too deep to encode).
        _check_in_order(event, event_type)
        raise
    if event_type == "agent_response":
        complete_response(row, event, store_text)
    row["attributes"] = extra or None
    return ValidEvent(row=row)


def complete_response(row: dict[str, Any], event: dict[str, Any], store_text: bool) -> None:
    """A response row's defaults and ingest-time columns (flags, text proxies); text kept only if asked."""
    row.setdefault("status", "ok")
    row.setdefault("deployment", "primary")
    row["has_hallucination_flag"] = any(f.startswith("hallucination") for f in row.get("flags") or [])
    row["sampling_u"] = sampling_u(DEFAULT_SALT, row["event_id"])
    row.update(derived_columns(event))
    if not store_text:
        row.pop("text", None)


def header_row(event: Any) -> tuple[str, dict[str, Any]]:
    """Check what every event needs (id, type, time, required fields, schema version); the
    event type and the row's first columns."""
    if not isinstance(event, dict):
        raise Rejected("bad_json", f"expected a JSON object, got {type(event).__name__}")
    get = event.get
    event_id = get("event_id")
    if event_id is None:
        _required(event, "event_id")
    if not isinstance(event_id, str):
        raise Rejected("bad_type:event_id", "event_id must be a string")
    if not 1 <= len(event_id) <= spec.MAX_EVENT_ID_LENGTH:
        raise Rejected("out_of_range:event_id", f"event_id must be 1–128 characters, got {len(event_id)}")
    event_type = get("event_type")
    if event_type is None:
        _required(event, "event_type")
    if event_type not in spec.EVENT_TYPES:
        known = ", ".join(spec.EVENT_TYPES)
        raise Rejected("unknown_event_type", f"event_type {str(event_type)[:100]!r} is not one of {known}")
    ts = _timestamp(event, "ts", required=True)
    assert ts is not None
    for name in spec.REQUIRED_FIELDS[event_type]:
        if get(name) is None:
            _required(event, name)
    schema_version = get("schema_version", 1)
    if schema_version is not None:
        _check_int(schema_version, "schema_version")
        if schema_version not in spec.SUPPORTED_SCHEMA_VERSIONS:
            raise Rejected("out_of_range:schema_version", f"schema_version {schema_version} is not supported (1)")
    return event_type, {
        "event_id": event_id,
        "event_type": event_type,
        "ts": ts.replace(tzinfo=None),
        "ts_epoch": ts.timestamp(),
        "schema_version": schema_version or 1,
        "content_hash": canonical_hash(event),
    }


def _named_fields_into(row: dict[str, Any], event: dict[str, Any], event_type: str) -> dict[str, Any]:
    """Check the event's optional named fields in its own key order, adding them to `row`;
    returns the fields the contract does not name (in the event's order).

    The common valid values are accepted inline; anything else goes through `_typed_field`,
    which converts it or raises.
    """
    rules = _RULES[event_type]
    extra: dict[str, Any] = {}
    for name, value in event.items():
        rule = rules.get(name, _EXTRA)
        kind = type(value)
        if rule is _PLAIN:  # the most frequent: checked first
            if kind is str:
                row[name] = value
                continue
        elif rule is _HEADER:
            continue
        elif rule is _EXTRA:
            extra[name] = value
            continue
        elif rule is _TURN:
            if kind is int and 1 <= value <= _MAX_TURN:
                row[name] = value
                continue
        elif rule is _COUNT:
            if kind is int and 0 <= value <= _MAX_BIGINT:
                row[name] = value
                continue
        elif rule is _STRING_LIST:
            if kind is list:
                for item in value:
                    if type(item) is not str:
                        break
                else:
                    row[name] = value
                    continue
        elif rule is _CONFIDENCE:
            if kind is float and 0.0 <= value <= 1.0:
                row[name] = value
                continue
        elif rule is _LATENCY:
            if kind is float and 0.0 <= value < math.inf:
                row[name] = value
                continue
        elif type(rule) is frozenset:  # an enumeration
            if kind is str and value in rule:
                row[name] = value
                continue
        if value is None:
            continue
        row.update(_typed_field(event_type, name, value))
    return extra


def _check_in_order(event: dict[str, Any], event_type: str) -> None:
    """Raise the first violation among the optional named fields, in `_OPTIONAL_FIELDS` order."""
    for name in _OPTIONAL_FIELDS[event_type]:
        value = event.get(name)
        if value is not None:
            _typed_field(event_type, name, value)


# Per event type: every field the contract names, and the ones checked after the header
# fields, in a fixed order (so the first violation reported does not depend on key order).
_NAMED_FIELDS = {t: frozenset(spec.COMMON_FIELDS) | frozenset(spec.TYPE_FIELDS[t]) for t in spec.EVENT_TYPES}
_OPTIONAL_FIELDS = {
    t: tuple(sorted(_NAMED_FIELDS[t] - {"event_id", "event_type", "ts", "schema_version"}))
    for t in spec.EVENT_TYPES
}

# String fields without an enumeration or a length: any string is valid (the others go
# through _typed_field).
_PLAIN_STRING_FIELDS = frozenset(
    spec.STRING_FIELDS - {name for _, name in spec.ENUMS} - spec.EVENT_ID_REFERENCE_FIELDS
)

# How `_named_fields_into` treats each key, per event type: the header (checked before),
# a value accepted inline when it has the common form (else `_typed_field` decides), an
# enumeration (its frozenset of values), `_OTHER` (always `_typed_field`), or `_EXTRA` (a
# field the contract does not name: kept in `attributes`).
_HEADER, _EXTRA, _PLAIN, _TURN, _COUNT, _STRING_LIST, _CONFIDENCE, _LATENCY, _OTHER = (
    "header", "extra", "plain", "turn", "count", "string_list", "confidence", "latency", "other"
)


def _rule(event_type: str, name: str) -> str | frozenset[str]:
    if (event_type, name) in spec.ENUMS:
        return frozenset(spec.ENUMS[(event_type, name)])
    if name in _PLAIN_STRING_FIELDS:
        return _PLAIN
    if name in spec.STRING_LIST_FIELDS:
        return _STRING_LIST
    if name in spec.NON_NEGATIVE_INT_FIELDS:
        return _COUNT
    return {"turn": _TURN, "confidence": _CONFIDENCE, "latency_ms": _LATENCY}.get(name, _OTHER)


_MAX_TURN, _MAX_BIGINT = spec.MAX_TURN, spec.MAX_BIGINT
_RULES: dict[str, dict[str, str | frozenset[str]]] = {
    t: {
        **{name: _HEADER for name in ("event_id", "event_type", "ts", "schema_version")},
        **{name: _rule(t, name) for name in _OPTIONAL_FIELDS[t]},
    }
    for t in spec.EVENT_TYPES
}


def _required(event: dict[str, Any], name: str) -> Any:
    if event.get(name) is None:
        raise Rejected(f"missing_field:{name}", f"{name} is required on {event.get('event_type', 'every event')}")
    return event[name]


def _typed_field(event_type: str, name: str, value: Any) -> dict[str, Any]:
    enum = spec.ENUMS.get((event_type, name))
    if enum is not None:
        if not isinstance(value, str):
            raise Rejected(f"bad_type:{name}", f"{name} must be a string")
        if value not in enum:
            raise Rejected(f"out_of_range:{name}", f"{name} {value[:100]!r} is not one of {', '.join(enum)}")
        return {name: value}
    if name in spec.STRING_FIELDS:
        if not isinstance(value, str):
            raise Rejected(f"bad_type:{name}", f"{name} must be a string")
        if name in spec.EVENT_ID_REFERENCE_FIELDS and len(value) > spec.MAX_EVENT_ID_LENGTH:
            raise Rejected(
                f"out_of_range:{name}", f"{name} is an event_id: at most 128 characters, got {len(value)}"
            )
        return {name: value}
    if name in spec.STRING_LIST_FIELDS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Rejected(f"bad_type:{name}", f"{name} must be an array of strings")
        return {name: value}
    if name == "turn":
        _check_int(value, name)
        if not 1 <= value <= spec.MAX_TURN:
            raise Rejected("out_of_range:turn", f"turn must be in [1, {spec.MAX_TURN}], got {_short(value)}")
        return {name: value}
    if name in spec.NON_NEGATIVE_INT_FIELDS:
        _check_int(value, name)
        if not 0 <= value <= spec.MAX_BIGINT:
            raise Rejected(f"out_of_range:{name}", f"{name} must be in [0, 2^63 - 1], got {_short(value)}")
        return {name: value}
    if name == "confidence":
        number = _check_number(value, name)
        if not 0.0 <= number <= 1.0:
            raise Rejected("out_of_range:confidence", f"confidence must be in [0, 1], got {number}")
        return {name: number}
    if name == "latency_ms":
        number = _check_number(value, name)
        if number < 0:
            raise Rejected("out_of_range:latency_ms", f"latency_ms must be ≥ 0, got {number}")
        return {name: number}
    if name == "token_logprobs":
        _check_logprobs(value, name)
        return {}
    if name == "top_logprobs":
        if not isinstance(value, list):
            raise Rejected("bad_type:top_logprobs", "top_logprobs must be an array of arrays")
        for position in value:
            _check_logprobs(position, name)
        return {}
    if name == "decision":
        return _decision(value)
    if name == "started_at":
        return {name: _timestamp({name: value}, name, required=False).replace(tzinfo=None)}  # type: ignore[union-attr]
    raise AssertionError(f"no rule for field {name}")  # pragma: no cover - fields.py and this agree


def _decision(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Rejected("bad_type:decision", "decision must be an object {name, value, path}")
    name = value.get("name")
    if name is None:
        raise Rejected("missing_field:decision.name", "decision.name is required")
    if not isinstance(name, str):
        raise Rejected("bad_type:decision.name", "decision.name must be a string")
    path = value.get("path")
    if path is not None and not isinstance(path, str):
        raise Rejected("bad_type:decision.path", "decision.path must be a string")
    decision_value = orjson.dumps(value.get("value"), option=orjson.OPT_SORT_KEYS).decode()
    return {"decision_name": name, "decision_value": decision_value, "decision_path": path}


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _check_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Rejected(f"bad_type:{name}", f"{name} must be an integer, got {str(value)[:100]!r}")


def _check_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"bad_type:{name}", f"{name} must be a number, got {str(value)[:100]!r}")
    number = float(value)
    if not math.isfinite(number):
        raise Rejected(f"out_of_range:{name}", f"{name} must be finite")
    return number


def _check_logprobs(value: Any, name: str) -> None:
    if not isinstance(value, list):
        raise Rejected(f"bad_type:{name}", f"{name} must be an array of numbers")
    # The common case, checked in one pass: finite floats ≤ 0. Anything else is looked at
    # item by item below, to name the problem.
    if all(type(item) is float and -math.inf < item <= 0.0 for item in value):
        return
    for item in value:
        number = _check_number(item, name)
        if number > 0:
            raise Rejected(f"out_of_range:{name}", f"{name} values are log-probabilities (≤ 0), got {number}")


def _timestamp(event: dict[str, Any], name: str, *, required: bool) -> datetime | None:
    value = event.get(name)
    if value is None:
        if required:
            raise Rejected(f"missing_field:{name}", f"{name} is required")
        return None
    if not isinstance(value, str):
        raise Rejected(f"bad_type:{name}", f"{name} must be an RFC 3339 timestamp string")
    try:
        return parse_rfc3339(value)
    except TimestampError as error:
        reason = f"out_of_range:{name}" if error.out_of_range else f"bad_type:{name}"
        raise Rejected(reason, f"{name} {value[:100]!r} {error}") from None
