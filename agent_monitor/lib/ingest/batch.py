"""Write one batch of source records: one transaction, and one bad line never sinks the rest.

Each record is decoded and validated on its own; any exception while doing so quarantines
that record (SPEC §8). When the database refuses a batch's write (a value it cannot hold),
the batch is split in halves until the refused record is alone; that record is quarantined
as `rejected:<column>` and every other one is written. A failure of the warehouse itself
(connection lost, disk full) is not a refusal: it propagates and stops the run.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from agent_monitor.lib.ingest import review_targets, store
from agent_monitor.lib.ingest.hours import related_hours
from agent_monitor.lib.ingest.parse import parse_record, raw_text_for_quarantine
from agent_monitor.lib.ingest.records import SourceRecord
from agent_monitor.lib.ingest.validate import Rejected, ValidEvent
from agent_monitor.lib.warehouse.tables_raw import review_hours


class Item(NamedTuple):
    """One record and what validation made of it: an event, a rejection, or a blank line."""

    record: SourceRecord
    event: ValidEvent | None = None
    rejection: Rejected | None = None

    @property
    def blank(self) -> bool:
        return self.event is None and self.rejection is None


@dataclass
class Counts:
    """What one committed write added; the caller adds it to the run's totals."""

    lines_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    blank_lines: int = 0
    hours_touched: set[datetime] = field(default_factory=set)
    reasons: Counter[str] = field(default_factory=Counter)


def classify(record: SourceRecord, *, store_text: bool) -> Item:
    """Validate one record; never raises for anything the record itself contains."""
    if record.raw is None and record.event is None and record.reject_reason is None:
        return Item(record)
    try:
        return Item(record, event=parse_record(record, store_text=store_text))
    except Rejected as rejection:
        return Item(record, rejection=rejection)
    except RecursionError:
        return Item(record, rejection=Rejected("too_deep", "nested too deep to process"))
    except Exception as error:  # noqa: BLE001 - one line must never stop the file (SPEC §8)
        return Item(record, rejection=Rejected(_reason_for(error), f"{type(error).__name__}: {error}"[:500]))


def _reason_for(error: Exception) -> str:
    if isinstance(error, OverflowError):
        return "out_of_range:event"
    if isinstance(error, TypeError) and "Recursion limit" in str(error):
        return "too_deep"
    return "rejected:event"


def write_isolated(engine: Engine, ingest_id: int, source: str, items: list[Item], totals: Counts) -> None:
    """Write `items`; a database refusal is bisected down to the record that caused it."""
    try:
        totals_add(totals, _write(engine, ingest_id, source, items))
        return
    except Exception as error:
        if not is_data_refusal(error):
            raise
        refusal = error
    events = [i for i, item in enumerate(items) if item.event is not None]
    if not events:
        raise refusal  # nothing left to blame but the warehouse
    if len(events) == 1:
        index = events[0]
        column = _refused_column(refusal)
        rejection = Rejected(f"rejected:{column}", f"the database refused the value: {_first_line(refusal)}")
        items = [*items[:index], items[index]._replace(event=None, rejection=rejection), *items[index + 1 :]]
        totals_add(totals, _write(engine, ingest_id, source, items))
        return
    middle = len(items) // 2
    write_isolated(engine, ingest_id, source, items[:middle], totals)
    write_isolated(engine, ingest_id, source, items[middle:], totals)


def is_data_refusal(error: BaseException) -> bool:
    """True when the database refused a value; False when the warehouse itself failed."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return False
        return isinstance(error, sa_exc.DataError | sa_exc.IntegrityError)
    if isinstance(error, sa_exc.StatementError):  # a value no bind processor could convert
        return True
    # A driver error raised outside SQLAlchemy (PostgreSQL COPY runs on the raw cursor).
    driver_classes = {cls.__name__ for cls in type(error).__mro__ if cls.__module__.startswith(("psycopg", "sqlite3"))}
    if driver_classes:
        return bool(driver_classes & {"DataError", "IntegrityError"})
    return isinstance(error, OverflowError | ValueError | TypeError | RecursionError)


_COLUMN = re.compile(r"column (\w+)")


def _refused_column(error: BaseException) -> str:
    """The column PostgreSQL names in the COPY context, else `event`."""
    orig = getattr(error, "orig", None) or error
    context = getattr(getattr(orig, "diag", None), "context", None) or ""
    match = _COLUMN.search(context)
    return match.group(1) if match else "event"


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    return str(orig).strip().splitlines()[0][:300] if str(orig).strip() else type(orig).__name__


def _write(engine: Engine, ingest_id: int, source: str, items: list[Item]) -> Counts:
    """One transaction: events, quarantine rows, touched hours and the ledger counts."""
    now = store.utcnow()
    counts = Counts()
    valid = [item for item in items if item.event is not None]
    rejected = [item for item in items if item.rejection is not None]
    with engine.begin() as connection:
        known = store.existing_hashes(connection, sorted({item.event.event_id for item in valid}))  # type: ignore[union-attr]
        accepted_rows: list[dict[str, Any]] = []
        for item in valid:
            event = item.event
            assert event is not None
            prior = known.get(event.event_id)
            if prior is None:
                accepted_rows.append(dict(event.row, ingest_id=ingest_id, source_location=item.record.location))
                known[event.event_id] = event.row["content_hash"]
            elif prior == event.row["content_hash"]:
                counts.duplicates += 1
            else:
                detail = f"event_id {event.event_id!r} was already accepted with different content"
                rejection = Rejected("conflicting_duplicate", detail)
                rejected.append(Item(item.record, rejection=rejection, event=event))
        quarantine = [_quarantine_row(ingest_id, source, item, now) for item in rejected]
        seen = store.existing_quarantine_keys(connection, sorted({row["raw_hash"] for row in quarantine}))
        fresh: list[dict[str, Any]] = []
        for row in quarantine:
            # A bad line delivered again (the same file re-read, or a gzip copy) is a duplicate.
            if row["raw_hash"] in seen:
                counts.duplicates += 1
            else:
                seen.add(row["raw_hash"])
                fresh.append(row)
        related = related_hours(connection, accepted_rows)
        review_targets.stamp_reviews(accepted_rows, related.review_target_times)
        store.insert_events(connection, accepted_rows)
        review_targets.place_waiting_reviews(connection, accepted_rows)
        store.insert_quarantine(connection, fresh)
        # A review changes no figure of the hour it was written in, only its response's hour
        # (`related.review_hours`): marking its own hour would rebuild a day of tables for nothing.
        hour_counts = Counter(store.hour_of(row["ts"]) for row in accepted_rows if row["event_type"] != "review")
        store.touch_hours(connection, hour_counts, related.event_hours, ingest_id, now)
        store.touch_hours(connection, related.review_hours, (), ingest_id, now, table=review_hours)
        counts.blank_lines = sum(1 for item in items if item.blank)
        counts.lines_read = len(items) - counts.blank_lines
        counts.accepted = len(accepted_rows)
        counts.quarantined = len(fresh)
        counts.hours_touched.update(hour_counts, related.event_hours, related.review_hours)
        counts.reasons.update(row["reason"] for row in fresh)
        store.add_to_ledger_entry(connection, ingest_id, counts)
    return counts


def totals_add(totals: Counts, counts: Counts) -> None:
    totals.lines_read += counts.lines_read
    totals.accepted += counts.accepted
    totals.duplicates += counts.duplicates
    totals.quarantined += counts.quarantined
    totals.blank_lines += counts.blank_lines
    totals.hours_touched |= counts.hours_touched
    totals.reasons.update(counts.reasons)


def quarantine_key(record: SourceRecord) -> str:
    """What makes two bad lines the same delivery: their bytes (or the adapter's event)."""
    digest = hashlib.sha256()
    if record.raw is not None:
        digest.update(record.raw)
        if record.reject_reason is not None:  # the raw text is only a prefix: add what was cut
            digest.update(f"\n{record.reject_reason}:{record.reject_detail}".encode())
    elif record.event is not None:
        digest.update(orjson.dumps(record.event, option=orjson.OPT_SORT_KEYS, default=str))
    return digest.hexdigest()


def _quarantine_row(ingest_id: int, source: str, item: Item, now: datetime) -> dict[str, Any]:
    record, rejection = item.record, item.rejection
    assert rejection is not None
    try:
        key = quarantine_key(record)
    except Exception:  # noqa: BLE001 - an adapter event too deep to encode: key its location
        key = hashlib.sha256(f"{source}:{record.location}".encode()).hexdigest()
    return {
        "ingest_id": ingest_id,
        "source": source,
        "location": record.location,
        "reason": rejection.reason,
        "detail": rejection.detail[:2000],
        "event_id": item.event.event_id if item.event is not None else None,
        "raw_text": _safe_raw_text(record),
        "raw_length": len(record.raw) if record.raw is not None else None,
        "raw_hash": key,
        "quarantined_at": now,
    }


def _safe_raw_text(record: SourceRecord) -> str | None:
    try:
        return raw_text_for_quarantine(record)
    except Exception:  # noqa: BLE001 - e.g. an adapter event nested too deep to encode
        return repr(record.event)[: 64 * 1024].replace("\x00", "\ufffd")
