"""Decode one source record into a validated event, or a quarantine reason."""

from __future__ import annotations

from typing import Any

import orjson

from agent_monitor.lib.ingest.fields import MAX_NESTING_DEPTH
from agent_monitor.lib.ingest.records import SourceRecord
from agent_monitor.lib.ingest.validate import Rejected, ValidEvent, validate_event


def parse_record(record: SourceRecord, *, store_text: bool) -> ValidEvent:
    """Raises `Rejected` with the SPEC §1 reason when the record is not a valid event."""
    if record.reject_reason is not None:
        raise Rejected(record.reject_reason, record.reject_detail or "")
    event: Any = record.event
    if event is None:
        assert record.raw is not None
        try:
            record.raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Rejected("not_utf8", f"invalid UTF-8 at byte {error.start}") from None
        try:
            event = orjson.loads(record.raw)
        except orjson.JSONDecodeError as error:
            if "depth limit" in str(error):
                raise Rejected("too_deep", f"nested deeper than {MAX_NESTING_DEPTH} levels") from None
            raise Rejected("bad_json", str(error)) from None
        # A line with few brackets cannot nest deeply: only the others are walked.
        if record.raw.count(b"[") + record.raw.count(b"{") > MAX_NESTING_DEPTH:
            _reject_deep_nesting(event)
        if b"\\u0000" in record.raw:
            _reject_nul_characters(event)
    else:
        _reject_deep_nesting(event)
        _reject_nul_characters(event)
    return validate_event(event, store_text=store_text)


def _reject_deep_nesting(event: Any) -> None:
    """Arrays and objects nested deeper than MAX_NESTING_DEPTH (the event is level 1)."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            raise Rejected("too_deep", f"nested deeper than {MAX_NESTING_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values() if isinstance(item, dict | list))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))


def _reject_nul_characters(value: Any, name: str = "event") -> None:
    """PostgreSQL text cannot hold U+0000; name the field that carries one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Rejected(f"out_of_range:{name}", f"{name} contains a NUL character (U+0000)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_nul_characters(key, name)
            _reject_nul_characters(item, key if name == "event" else name)
    elif isinstance(value, list):
        for item in value:
            _reject_nul_characters(item, name)


def raw_text_for_quarantine(record: SourceRecord, limit: int = 64 * 1024) -> str | None:
    """The record's text, truncated at 64 KiB; undecodable bytes shown as U+FFFD."""
    if record.raw is not None:
        text = record.raw[:limit].decode("utf-8", errors="replace")
    elif record.event is not None:
        text = orjson.dumps(record.event, default=str)[:limit].decode("utf-8", errors="replace")
    else:
        return None
    return text.replace("\x00", "\ufffd")
