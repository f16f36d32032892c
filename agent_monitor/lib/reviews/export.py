"""Export pending review items for reviewers, as CSV or JSON Lines."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

import orjson
from sqlalchemy import Engine, select

from agent_monitor.lib.alerting.blocks import trace_url
from agent_monitor.lib.reviews.status import PENDING
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue

EXPORT_COLUMNS = (
    "event_id", "agent_id", "agent_version", "session_id", "ts", "confidence",
    "decision_name", "decision_path", "decision_value", "reasons",
    "text", "flags", "status", "error_type", "facts_referenced", "fields_requested",
    "trace_id", "trace_url",
    "verdict", "reviewer", "note",
)
# What the reviewer judges, from the response itself (text only when ingest.store_text).
RESPONSE_COLUMNS = ("text", "flags", "status", "error_type", "facts_referenced", "fields_requested")
LIST_COLUMNS = ("reasons", "flags", "facts_referenced", "fields_requested")
FORMATS = ("csv", "jsonl")


def pending_items(
    engine: Engine, *, now: datetime, agents: Sequence[str] = (), limit: int | None = None
) -> list[dict[str, Any]]:
    """Pending, unexpired queue items (optionally of some agents), oldest first."""
    queue = review_queue.c
    statement = select(review_queue).where(queue.status == PENDING, queue.expires_at >= now)
    if agents:
        statement = statement.where(queue.agent_id.in_(sorted(set(agents))))
    statement = statement.order_by(queue.ts, queue.event_id)
    if limit is not None:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        items = [dict(row) for row in connection.execute(statement).mappings()]
        ids = [item["event_id"] for item in items]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            query = select(raw_events.c.event_id, *(raw_events.c[c] for c in RESPONSE_COLUMNS)).where(
                raw_events.c.event_id.in_(chunk))
            found.update({row["event_id"]: dict(row) for row in connection.execute(query).mappings()})
    # The queue row's own status is the review status; the response's is kept apart.
    return [{**item, "response": found.get(item["event_id"], {})} for item in items]


def export_record(item: Mapping[str, Any], trace_url_template: str = "") -> dict[str, Any]:
    """One exported item: what a reviewer needs, and empty verdict/reviewer/note to fill in."""
    trace_id = item.get("trace_id")
    response = item.get("response") or {}
    return {
        "event_id": item["event_id"],
        "agent_id": item["agent_id"],
        "agent_version": item.get("agent_version"),
        "session_id": item.get("session_id"),
        "ts": format_ts(item["ts"]),
        "confidence": item.get("confidence"),
        "decision_name": item.get("decision_name"),
        "decision_path": item.get("decision_path"),
        "decision_value": item.get("decision_value"),
        "reasons": list(item.get("reasons") or []),
        "text": response.get("text"),
        "flags": list(response.get("flags") or []),
        "status": response.get("status"),
        "error_type": response.get("error_type"),
        "facts_referenced": list(response.get("facts_referenced") or []),
        "fields_requested": list(response.get("fields_requested") or []),
        "trace_id": trace_id,
        "trace_url": trace_url(trace_url_template, trace_id) if trace_id and trace_url_template else None,
        "verdict": "",
        "reviewer": "",
        "note": "",
    }


def write_export(records: Sequence[Mapping[str, Any]], stream: TextIO, file_format: str) -> None:
    """Write records as CSV (reasons joined by ';', empty cells for nulls) or JSON Lines."""
    if file_format == "jsonl":
        for record in records:
            stream.write(orjson.dumps(record).decode() + "\n")
        return
    if file_format != "csv":
        raise ValueError(f"unknown export format {file_format!r}; expected one of {', '.join(FORMATS)}")
    writer = csv.DictWriter(stream, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _cell(k, record.get(k)) for k in EXPORT_COLUMNS})


def format_ts(ts: datetime) -> str:
    """RFC 3339 UTC with microseconds and `Z`, the one form the project writes."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in LIST_COLUMNS:
        return ";".join(value)
    return str(value)
