"""Replace a time window's rows of a table in one transaction (rebuilds never append twice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert

from agent_monitor.lib.warehouse.locks import lock_table_for_rebuild


def replace_window(
    connection: Connection,
    table: Table,
    time_column: str,
    start: datetime,
    end: datetime,
    rows: Sequence[dict[str, Any]],
) -> int:
    """Delete rows with start ≤ time_column < end and insert `rows`; returns rows written."""
    column = table.c[time_column]
    lock_table_for_rebuild(connection, table.name)
    connection.execute(delete(table).where(column >= start, column < end))
    if rows:
        connection.execute(insert(table), list(rows))
    return len(rows)
