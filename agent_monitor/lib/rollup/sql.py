"""The aggregating SQL of sql/metrics/: load a query for the engine's dialect and run it."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from agent_monitor.lib.warehouse.results import result_dicts

SQL_FOLDER = Path(__file__).resolve().parents[3] / "sql" / "metrics"

# Dialect fragments substituted into the SQL text. They are fixed expressions, never values:
# every value is a bound parameter (:start, :end). The hour bucket is the epoch second of the
# hour's start, computed from ts_epoch (FLOOR on PostgreSQL; on SQLite CAST truncates, which
# is floor for the positive epochs of any real event).
HOUR_BUCKET = {
    "postgresql": "(FLOOR({alias}.ts_epoch / 3600) * 3600)",
    "sqlite": "(CAST({alias}.ts_epoch / 3600 AS INTEGER) * 3600)",
}

# Byte-wise order of identifiers (Python's order of str), for the orderings the replays
# depend on; PostgreSQL's database collation may differ, and is slower to compare.
COLLATE_C = {"postgresql": ' COLLATE "C"', "sqlite": ""}

# Latency percentiles computed inside responses.sql, in its scan (PostgreSQL); SQLite ranks
# latencies in a query of its own (latency.sqlite.sql). See `window_queries`.
LATENCY_PERCENTILES = {
    "postgresql": (",\n       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p50_ms"
                   ",\n       percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p95_ms"),
    "sqlite": "",
}

# The aggregate that collects values into a JSON array.
JSON_ARRAY_AGG = {"postgresql": "json_agg", "sqlite": "json_group_array"}


@cache
def query_text(name: str, dialect: str) -> str:
    """The SQL of `name` for a dialect: `name.<dialect>.sql` if present, else `name.sql`."""
    if dialect not in HOUR_BUCKET:
        raise ValueError(f"unsupported warehouse dialect {dialect!r} (sqlite, postgresql)")
    specific = SQL_FOLDER / f"{name}.{dialect}.sql"
    path = specific if specific.is_file() else SQL_FOLDER / f"{name}.sql"
    fragments = {f"hour_{a}": HOUR_BUCKET[dialect].format(alias=a) for a in ("e", "p", "b", "o")}
    fragments["json_array_agg"] = JSON_ARRAY_AGG[dialect]
    fragments["collate_c"] = COLLATE_C[dialect]
    fragments["latency_percentiles"] = LATENCY_PERCENTILES[dialect]
    return path.read_text(encoding="utf-8").format(**fragments)


def window_queries(dialect: str) -> tuple[str, ...]:
    """The per-version aggregates of a window: latency rides in responses where it can."""
    return ("responses", "shadow_pairs") if LATENCY_PERCENTILES[dialect] else ("responses", "latency", "shadow_pairs")


def run_query(
    connection: Connection, name: str, start: datetime, end: datetime, **params: Any
) -> list[dict[str, Any]]:
    """Rows of an aggregating query over the window [start, end) (naive UTC), as dicts.

    Further bound parameters (e.g. the build's `as_of`) are passed by name.
    """
    statement = text(query_text(name, connection.dialect.name))
    return result_dicts(connection.execute(statement, {"start": start, "end": end, **params}))


def hour_from_epoch(epoch: float) -> datetime:
    """The naive UTC datetime of an hour bucket (epoch seconds)."""
    return datetime.fromtimestamp(int(round(float(epoch))), UTC).replace(tzinfo=None)
