"""Import reviewers' verdicts as SPEC `review` events, through ordinary ingestion.

A row whose verdict (and reviewer) is already the response's current verdict — its latest
review by ts, then ingestion order — changes nothing and is skipped, as is a row with a
`reviewed_at` that repeats a review already stored: importing the same file again is a no-op.
Any other row becomes a new `review` event stamped with its `reviewed_at`, else the import
time, so a reverted verdict (correct → incorrect → correct) takes effect (SPEC §8 "M1
verdicts"). The events are written to a JSONL file under the data folder's `reviews/` (kept as
the audit trail) and ingested with `ingest_path`, so the ledger, de-duplication and late-data
hours apply as to any other log.
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
from agent_monitor.lib.metrics.calibration import verdict_order
from agent_monitor.lib.reviews.export import format_ts
from agent_monitor.lib.reviews.verdicts import BadRow, VerdictRow, read_verdicts
from agent_monitor.lib.warehouse.connection import data_folder
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue

# Sorts after every stored review: events of this import are ingested after all of them.
_THIS_IMPORT = 2**62


@dataclass
class ImportResult:
    """Rows imported, left unchanged and rejected; the generated events file and its ingestion."""

    good: list[VerdictRow] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    unchanged: list[VerdictRow] = field(default_factory=list)
    events_path: Path | None = None
    ingest: IngestResult | None = None


@dataclass
class _Reviews:
    """The reviews of one response: stored ones and those this import adds, and the latest."""

    count: int = 0
    latest: dict[str, Any] | None = None
    seen: set[tuple[str, str, datetime]] = field(default_factory=set)

    def add(self, review: dict[str, Any]) -> None:
        self.count += 1
        self.seen.add((review["verdict"], review.get("reviewer") or "", review["ts"]))
        if self.latest is None or verdict_order(review) >= verdict_order(self.latest):
            self.latest = review

    def unchanged_by(self, row: VerdictRow) -> bool:
        """The row repeats the current verdict, or a stored review with the same time."""
        latest = self.latest
        if latest is not None and (latest["verdict"], latest.get("reviewer") or "") == (
                row.verdict, row.reviewer or ""):
            return True
        return row.reviewed_at is not None and (
            row.verdict, row.reviewer or "", row.reviewed_at) in self.seen


def review_event_id(target_event_id: str, verdict: str, reviewer: str | None, ts: datetime,
                    sequence: int) -> str:
    """`review:` + 24 hex digits of SHA-256(target ␟ verdict ␟ reviewer ␟ ts ␟ n).

    n counts the response's earlier reviews, so a verdict given again after another one (a
    revert) is a new event, never a duplicate of the first.
    """
    key = "\x1f".join((target_event_id, verdict, reviewer or "", format_ts(ts), str(sequence)))
    return "review:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def review_event(row: VerdictRow, ts: datetime, sequence: int) -> dict[str, Any]:
    """The SPEC `review` event for one verdict row."""
    event: dict[str, Any] = {
        "event_id": review_event_id(row.target_event_id, row.verdict, row.reviewer, ts, sequence),
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
    """Validate a verdict file, write its changed verdicts as review events, and ingest them."""
    good, bad = read_verdicts(path, default_reviewer=default_reviewer)
    known, stored = _lookups(engine, good)
    result = ImportResult(bad=bad)
    events: list[dict[str, Any]] = []
    for row in good:
        if row.target_event_id not in known:
            reason = f"unknown event_id {row.target_event_id[:128]!r}: not a response in the warehouse"
            result.bad.append(BadRow(row.line, reason))
            continue
        reviews = stored.setdefault(row.target_event_id, _Reviews())
        if reviews.unchanged_by(row):
            result.unchanged.append(row)
            continue
        ts = row.reviewed_at or now
        events.append(review_event(row, ts, reviews.count))
        reviews.add({"verdict": row.verdict, "reviewer": row.reviewer, "ts": ts,
                     "ingest_id": _THIS_IMPORT, "source_location": len(events)})
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


def _lookups(engine: Engine, rows: list[VerdictRow]) -> tuple[set[str], dict[str, _Reviews]]:
    """(target ids that are known responses, the reviews already stored for each target)."""
    targets = sorted({r.target_event_id for r in rows})
    known: set[str] = set()
    stored: dict[str, _Reviews] = {}
    ids = bindparam("ids", expanding=True)
    t = raw_events.c
    responses = select(t.event_id).where(t.event_type == "agent_response", t.event_id.in_(ids))
    queued = select(review_queue.c.event_id).where(review_queue.c.event_id.in_(ids))
    reviews = select(t.event_id, t.ts, t.ts_epoch, t.target_event_id, t.verdict, t.reviewer,
                     t.ingest_id, t.source_location).where(
        t.event_type == "review", t.target_event_id.in_(ids))
    with engine.connect() as connection:
        for chunk in _chunks(targets):
            known.update(connection.execute(responses, {"ids": chunk}).scalars().all())
            known.update(connection.execute(queued, {"ids": chunk}).scalars().all())
            for review in connection.execute(reviews, {"ids": chunk}).mappings():
                stored.setdefault(review["target_event_id"], _Reviews()).add(dict(review))
    return known, stored


def _chunks(values: list[str], size: int = 5000) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
