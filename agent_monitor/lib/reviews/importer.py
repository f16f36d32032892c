"""Import reviewers' verdicts as SPEC `review` events, through ordinary ingestion.

Each good row becomes a `review` event whose event_id is derived from target, verdict and
reviewer, so the same verdict imported twice is the same event: ingestion counts it as a
duplicate and adds nothing. The events are written to a JSONL file under the data folder's
`reviews/` (kept as the audit trail) and ingested with `ingest_path`, so the ledger,
de-duplication and late-data hours apply as to any other log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, select

from agent_monitor.lib.ingest.pipeline import IngestResult, ingest_path
from agent_monitor.lib.reviews.export import format_ts
from agent_monitor.lib.reviews.verdicts import BadRow, VerdictRow, read_verdicts
from agent_monitor.lib.warehouse.connection import data_folder
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue


@dataclass
class ImportResult:
    """Rows imported and rejected, the generated events file and its ingestion."""

    good: list[VerdictRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    events_path: Path | None = None
    ingest: IngestResult | None = None


def review_event_id(target_event_id: str, verdict: str, reviewer: str | None) -> str:
    """`review:` + the first 24 hex digits of SHA-256(target ␟ verdict ␟ reviewer)."""
    key = "\x1f".join((target_event_id, verdict, reviewer or ""))
    return "review:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def review_event(row: VerdictRow, ts: datetime) -> dict[str, Any]:
    """The SPEC `review` event for one verdict row."""
    event: dict[str, Any] = {
        "event_id": review_event_id(row.target_event_id, row.verdict, row.reviewer),
        "event_type": "review",
        "ts": format_ts(ts),
        "target_event_id": row.target_event_id,
        "verdict": row.verdict,
    }
    if row.reviewer is not None:
        event["reviewer"] = row.reviewer
    if row.note is not None:
        event["note"] = row.note
    return event


def import_verdicts(
    engine: Engine,
    path: Path,
    *,
    now: datetime,
    default_reviewer: str | None = None,
    out_dir: Path | None = None,
    store_text: bool = False,
) -> ImportResult:
    """Validate a verdict file, write its good rows as review events, and ingest them."""
    good, bad = read_verdicts(path, default_reviewer=default_reviewer)
    known, previous_ts = _lookups(engine, good)
    result = ImportResult(bad=bad)
    events: list[dict[str, Any]] = []
    for row in good:
        if row.target_event_id not in known:
            reason = f"unknown event_id {row.target_event_id[:128]!r}: not a response in the warehouse"
            result.bad.append(BadRow(row.line, reason))
            continue
        event_id = review_event_id(row.target_event_id, row.verdict, row.reviewer)
        # Without reviewed_at, a verdict imported again keeps the time it was first imported
        # at, so that the event is identical and ingestion sees a duplicate.
        ts = row.reviewed_at or previous_ts.get(event_id) or now
        events.append(review_event(row, ts))
        result.good.append(row)
    result.bad.sort(key=lambda b: b.line)
    if events:
        result.events_path = write_events(events, out_dir or data_folder() / "reviews", now)
        result.ingest = ingest_path(engine, result.events_path, store_text=store_text)
    return result


def write_events(events: list[dict[str, Any]], folder: Path, now: datetime) -> Path:
    """Write the events as JSONL to a new file named by import time and content."""
    data = b"".join(orjson.dumps(e) + b"\n" for e in events)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).hexdigest()[:12]
    path = folder / f"import-{now:%Y%m%dT%H%M%S%f}-{digest}.jsonl"
    path.write_bytes(data)
    return path


def _lookups(engine: Engine, rows: list[VerdictRow]) -> tuple[set[str], dict[str, datetime]]:
    """(target ids that are known responses, ts of review events already in the warehouse)."""
    targets = sorted({r.target_event_id for r in rows})
    review_ids = sorted({review_event_id(r.target_event_id, r.verdict, r.reviewer) for r in rows})
    known: set[str] = set()
    previous: dict[str, datetime] = {}
    ids = bindparam("ids", expanding=True)
    responses = select(raw_events.c.event_id).where(
        raw_events.c.event_type == "agent_response", raw_events.c.event_id.in_(ids)
    )
    queued = select(review_queue.c.event_id).where(review_queue.c.event_id.in_(ids))
    reviews = select(raw_events.c.event_id, raw_events.c.ts).where(raw_events.c.event_id.in_(ids))
    with engine.connect() as connection:
        for chunk in _chunks(targets):
            known.update(connection.execute(responses, {"ids": chunk}).scalars().all())
            known.update(connection.execute(queued, {"ids": chunk}).scalars().all())
        for chunk in _chunks(review_ids):
            previous.update({r.event_id: r.ts for r in connection.execute(reviews, {"ids": chunk}).all()})
    return known, previous


def _chunks(values: list[str], size: int = 5000) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
