"""Floors: the least work the database must do for the same rows, to compare against.

Ingest floor: read the file, parse each line with orjson, map it onto the `raw_events`
columns (timestamps parsed, decision split, a SHA-256 per line) and bulk-load it in one
transaction: COPY on PostgreSQL, one prepared executemany on SQLite. No validation,
de-duplication, quarantine, derived columns or ledger. Build floor: one aggregate scan of
the hour's rows.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text

from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import raw_events

_COLUMNS = frozenset(c.name for c in raw_events.columns)
_CHUNK = 100_000


def _row(line: bytes) -> dict[str, Any]:
    event = orjson.loads(line)
    ts = datetime.fromisoformat(event["ts"]).astimezone(UTC)
    row = {k: v for k, v in event.items() if k in _COLUMNS}
    row["ts"] = ts.replace(tzinfo=None)
    row["ts_epoch"] = ts.timestamp()
    decision = event.get("decision")
    if decision:
        row["decision_name"] = decision.get("name")
        row["decision_value"] = orjson.dumps(decision.get("value")).decode()
        row["decision_path"] = decision.get("path")
    row["content_hash"] = hashlib.sha256(line).hexdigest()
    row["ingest_id"] = 0
    row.setdefault("schema_version", 1)
    return row


def floor_load(url: str, path: Path) -> dict[str, Any]:
    """Parse + bulk-load every line of `path` into an empty warehouse at `url`."""
    engine = open_warehouse(url)
    write = bulk.copy_rows if engine.dialect.name == "postgresql" else bulk.executemany_rows
    started = time.perf_counter()
    n = 0
    with engine.begin() as connection, path.open("rb") as stream:
        rows: list[dict[str, Any]] = []
        for line in stream:
            if line.strip():
                rows.append(_row(line))
            if len(rows) >= _CHUNK:
                write(connection, raw_events, rows)
                n += len(rows)
                rows = []
        write(connection, raw_events, rows)
        n += len(rows)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"events": n, "seconds": seconds, "events_per_second": n / seconds if seconds else None}


SCAN_SQL = text(
    "SELECT agent_id, count(*), avg(confidence), sum(output_tokens) FROM raw_events "
    "WHERE ts >= :s AND ts < :e GROUP BY agent_id"
)


def floor_scan(url: str, start: datetime, end: datetime) -> dict[str, Any]:
    """One aggregate scan of the rows in [start, end) (naive UTC)."""
    engine = open_warehouse(url)
    started = time.perf_counter()
    with engine.connect() as connection:
        groups = connection.execute(SCAN_SQL, {"s": start, "e": end}).all()
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "groups": len(groups)}
