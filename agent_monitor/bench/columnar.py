"""A columnar path beside the peer: what it costs to hand DuckDB the hour, and its outputs
computed over Parquet instead of its own tables.

- `moved`: the window's events copied out of PostgreSQL (`COPY … TO STDOUT`, CSV) and into
  DuckDB (`COPY FROM`), the fastest transfer without a DuckDB extension (none can be
  installed on a machine without the internet); not measured on SQLite, which has no COPY.
- `parquet_write`: the loaded events written as one Parquet file: what an ingest that also
  appended each hour's events to a columnar file would pay per hour.
- `over_parquet`: the four outputs computed by DuckDB reading that file in place.

Every output computed after a transfer is compared row for row with the peer's own.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agent_monitor.bench import peer

Outputs = dict[str, list[dict[str, Any]]]
# A connection's four outputs and their seconds (versus.py's peer computation).
Compute = Callable[[Any], tuple[Outputs, dict[str, float]]]


def measure(loaded: Any, engine: Engine, start: datetime, reference: Outputs, compute: Compute) -> dict[str, Any]:
    """The columnar path's figures; `loaded` is the peer's connection holding the events,
    `reference` the outputs the peer computed on it."""
    columns = loaded.execute("SELECT column_name, data_type FROM information_schema.columns"
                             " WHERE table_name = 'raw_events' ORDER BY ordinal_position").fetchall()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="agent_monitor_columnar_") as folder:
        if engine.dialect.name == "postgresql":
            moved = peer.connect()
            out["moved"] = _moved(moved, engine, start, columns, Path(folder) / "hour.csv")
            outputs, seconds = compute(moved)
            moved.close()
            out["moved"]["outputs_seconds"] = sum(seconds.values())
            out["moved"]["rows_differing"] = _differing(reference, outputs)
        parquet = Path(folder) / "hour.parquet"
        began = time.perf_counter()
        loaded.execute(f"COPY raw_events TO '{parquet}' (FORMAT parquet)")
        out["parquet_write_seconds"] = time.perf_counter() - began
        out["parquet_mib"] = parquet.stat().st_size / 2**20
        reader = peer.connect()
        reader.execute(f"CREATE VIEW raw_events AS SELECT * FROM '{parquet}'")
        outputs, seconds = compute(reader)
        reader.close()
    out["over_parquet_seconds"] = seconds
    out["over_parquet_total_seconds"] = sum(seconds.values())
    out["over_parquet_rows_differing"] = _differing(reference, outputs)
    return out


def _differing(reference: Outputs, outputs: Outputs) -> dict[str, int]:
    return {name: len(peer.differences(peer.output_keyed(name, reference[name]), peer.output_keyed(name, rows),
                                       peer.COLUMNS[name]))
            for name, rows in outputs.items()}


def _moved(con: Any, engine: Engine, start: datetime, columns: list[tuple[str, str]], csv: Path) -> dict[str, Any]:
    """The peer's events (since `peer.since(start)`) moved by COPY through a CSV file."""
    names = [name for name, _ in columns]
    select = ", ".join(f"CAST({n} AS TEXT)" if n in peer.JSON_COLUMNS else n for n in names)
    raw = engine.raw_connection()
    began = time.perf_counter()
    try:
        with csv.open("w", encoding="utf-8") as stream:
            raw.cursor().copy_expert(
                f"COPY (SELECT {select} FROM raw_events WHERE ts >= '{peer.since(start):%Y-%m-%d %H:%M:%S}')"
                " TO STDOUT WITH (FORMAT csv, HEADER)", stream)
    finally:
        raw.close()
    copied_out = time.perf_counter() - began
    con.execute("CREATE TABLE raw_events (" + ", ".join(f'"{n}" {t}' for n, t in columns) + ")")
    began = time.perf_counter()
    con.execute(f"COPY raw_events FROM '{csv}' (HEADER)")
    copied_in = time.perf_counter() - began
    return {"events": int(con.execute("SELECT COUNT(*) FROM raw_events").fetchone()[0]),
            "copy_out_seconds": copied_out, "copy_in_seconds": copied_in, "csv_mib": csv.stat().st_size / 2**20}

