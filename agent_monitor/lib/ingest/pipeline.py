"""Ingest one source file: stream, validate, de-duplicate, write in batches, keep the ledger.

For every source, `lines_read = accepted + duplicates + quarantined` holds at every commit:
each batch's events, quarantine rows, touched hours and ledger counts are written in one
transaction. A file seen before with the same checksum is skipped; a plain file that grew
by appending is read from where the last ingestion stopped; any other change is read in
full, and the events already present count as duplicates, so only new events are added.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agent_monitor.lib.ingest import store
from agent_monitor.lib.ingest.hours import related_hours
from agent_monitor.lib.ingest.jsonl import is_gzip, iter_jsonl_records
from agent_monitor.lib.ingest.lock import ingestion_lock
from agent_monitor.lib.ingest.parse import parse_record, raw_text_for_quarantine
from agent_monitor.lib.ingest.records import SourceRecord
from agent_monitor.lib.ingest.validate import Rejected, ValidEvent
from agent_monitor.lib.warehouse.tables_raw import review_hours


@dataclass
class IngestResult:
    source: str
    source_format: str
    ingest_id: int | None = None
    skipped_unchanged: bool = False
    lines_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    blank_lines: int = 0
    hours_touched: set[datetime] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        if self.skipped_unchanged:
            return f"{self.source}: unchanged since last ingestion, skipped"
        reasons = ", ".join(f"{r}×{n}" for r, n in self.reasons.most_common())
        return (
            f"{self.source} ({self.source_format}): read {self.lines_read}, "
            f"accepted {self.accepted}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}" + (f" [{reasons}]" if reasons else "")
        )


@dataclass(frozen=True)
class _Plan:
    checksum: str
    size: int
    start_offset: int
    first_location: int


def ingest_path(
    engine: Engine, path: Path, *, store_text: bool = False, batch_size: int = 5000
) -> IngestResult:
    """Ingest one file (SPEC JSONL, or a format an adapter recognises) into the warehouse."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    source = str(path)
    source_format = _detect_format(path)
    with ingestion_lock(engine):
        plan = _plan(engine, path, source, source_format)
        result = IngestResult(source=source, source_format=source_format)
        if plan is None:
            result.skipped_unchanged = True
            return result
        records = _records(path, source_format, plan)
        _ingest_records(engine, result, plan, records, store_text=store_text, batch_size=batch_size)
        return result


def _detect_format(path: Path) -> str:
    from agent_monitor.lib.adapters.detect import detect_format

    return detect_format(path)


def _records(path: Path, source_format: str, plan: _Plan) -> Iterator[SourceRecord]:
    if source_format == "jsonl":
        return iter_jsonl_records(
            path, start_offset=plan.start_offset, first_location=plan.first_location
        )
    from agent_monitor.lib.adapters.detect import iter_source_records

    return iter(iter_source_records(path))


def _plan(engine: Engine, path: Path, source: str, source_format: str) -> _Plan | None:
    with engine.connect() as connection:
        previous = store.last_complete_ingestion(connection, source)
    prefix_size = previous.size_bytes if previous is not None else None
    checksum, prefix_checksum, size = _checksums(path, prefix_size)
    if previous is None:
        return _Plan(checksum, size, 0, 1)
    if previous.checksum == checksum:
        return None
    appended = (
        source_format == "jsonl"
        and not is_gzip(path)
        and size > previous.size_bytes
        and prefix_checksum == previous.checksum
    )
    if appended:
        next_location = previous.first_location + previous.lines_read + previous.blank_lines
        return _Plan(checksum, size, previous.size_bytes, next_location)
    return _Plan(checksum, size, 0, 1)


def _checksums(path: Path, prefix_size: int | None) -> tuple[str, str | None, int]:
    """SHA-256 of the whole file and of its first `prefix_size` bytes, in one pass."""
    digest = hashlib.sha256()
    prefix_digest: str | None = None
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            if prefix_size is not None and prefix_digest is None and size + len(chunk) >= prefix_size:
                cut = prefix_size - size
                digest.update(chunk[:cut])
                prefix_digest = digest.hexdigest()
                digest.update(chunk[cut:])
            else:
                digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), prefix_digest, size


def _ingest_records(
    engine: Engine,
    result: IngestResult,
    plan: _Plan,
    records: Iterator[SourceRecord],
    *,
    store_text: bool,
    batch_size: int,
) -> None:
    now = _utcnow()
    with engine.begin() as connection:
        result.ingest_id = store.create_ledger_entry(
            connection,
            {
                "source": result.source,
                "source_format": result.source_format,
                "checksum": plan.checksum,
                "size_bytes": plan.size,
                "start_offset": plan.start_offset,
                "first_location": plan.first_location,
                "status": "running",
                "started_at": now,
            },
        )
    try:
        for batch in _batches(records, batch_size):
            _ingest_batch(engine, result, batch, store_text=store_text)
    except Exception as error:
        with engine.begin() as connection:
            store.update_ledger_entry(
                connection,
                result.ingest_id,
                {"status": "failed", "error": f"{type(error).__name__}: {error}"[:2000], "finished_at": _utcnow()},
            )
        raise
    with engine.begin() as connection:
        store.update_ledger_entry(connection, result.ingest_id, {"status": "complete", "finished_at": _utcnow()})
    with engine.begin() as connection:
        store.refresh_statistics(connection, result.accepted)


def _ingest_batch(engine: Engine, result: IngestResult, batch: list[SourceRecord], *, store_text: bool) -> None:
    assert result.ingest_id is not None
    valid: list[tuple[SourceRecord, ValidEvent]] = []
    quarantine: list[dict[str, Any]] = []
    blank = 0
    now = _utcnow()
    for record in batch:
        if record.raw is None and record.event is None and record.reject_reason is None:
            blank += 1
            continue
        try:
            valid.append((record, parse_record(record, store_text=store_text)))
        except Rejected as rejection:
            quarantine.append(_quarantine_row(result, record, rejection, now))
    with engine.begin() as connection:
        known = store.existing_hashes(connection, sorted({v.event_id for _, v in valid}))
        accepted_rows: list[dict[str, Any]] = []
        duplicates = 0
        for record, event in valid:
            prior = known.get(event.event_id)
            if prior is None:
                row = dict(event.row, ingest_id=result.ingest_id, source_location=record.location)
                accepted_rows.append(row)
                known[event.event_id] = event.row["content_hash"]
            elif prior == event.row["content_hash"]:
                duplicates += 1
            else:
                rejection = Rejected(
                    "conflicting_duplicate",
                    f"event_id {event.event_id!r} was already accepted with different content",
                )
                quarantine.append(_quarantine_row(result, record, rejection, now, event.event_id))
        related = related_hours(connection, accepted_rows)
        store.insert_events(connection, accepted_rows)
        store.insert_quarantine(connection, quarantine)
        # A review changes no figure of the hour it was written in, only its response's hour
        # (`related.review_hours`): marking its own hour would rebuild a day of tables for nothing.
        hour_counts = Counter(store.hour_of(row["ts"]) for row in accepted_rows if row["event_type"] != "review")
        store.touch_hours(connection, hour_counts, related.event_hours, result.ingest_id, now)
        store.touch_hours(connection, related.review_hours, (), result.ingest_id, now, table=review_hours)
        result.lines_read += len(batch) - blank
        result.accepted += len(accepted_rows)
        result.duplicates += duplicates
        result.quarantined += len(quarantine)
        result.blank_lines += blank
        result.hours_touched.update(hour_counts)
        result.hours_touched.update(related.event_hours)
        result.hours_touched.update(related.review_hours)
        result.reasons.update(q["reason"] for q in quarantine)
        store.update_ledger_entry(
            connection,
            result.ingest_id,
            {
                "lines_read": result.lines_read,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "quarantined": result.quarantined,
                "blank_lines": result.blank_lines,
            },
        )


def _quarantine_row(
    result: IngestResult, record: SourceRecord, rejection: Rejected, now: datetime, event_id: str | None = None
) -> dict[str, Any]:
    raw_text = raw_text_for_quarantine(record)
    return {
        "ingest_id": result.ingest_id,
        "source": result.source,
        "location": record.location,
        "reason": rejection.reason,
        "detail": rejection.detail[:2000],
        "event_id": event_id,
        "raw_text": raw_text,
        "raw_length": len(record.raw) if record.raw is not None else None,
        "quarantined_at": now,
    }


def _batches(records: Iterable[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
