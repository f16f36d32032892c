"""Replace a window's rows of a rollup table in one transaction (never append twice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete

from agent_monitor.lib.warehouse import replace

CHUNK = 500


def replace_window(
    connection: Connection,
    table: Table,
    start: datetime,
    end: datetime,
    rows: Sequence[dict[str, Any]],
    built_at: datetime,
) -> int:
    """Delete the rows whose `hour` is in [start, end) and insert `rows` stamped built_at.

    The caller owns the transaction, so readers see either the old rows or the new ones.
    """
    return replace.replace_window(connection, table, "hour", start, end, [{**r, "built_at": built_at} for r in rows])


def delete_keys(connection: Connection, table: Table, column: str, keys: Sequence[str]) -> None:
    """Delete rows by key, e.g. sessions that a later hour now owns."""
    for i in range(0, len(keys), CHUNK):
        connection.execute(delete(table).where(table.c[column].in_(list(keys[i : i + CHUNK]))))
