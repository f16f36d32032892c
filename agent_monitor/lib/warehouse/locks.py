"""Serialise rebuilds of one table, so two materializations of a partition never collide."""

from __future__ import annotations

from sqlalchemy import Connection, text

_REBUILD_LOCK_KEY = 0x61676D72  # "agmr"


def lock_table_for_rebuild(connection: Connection, table_name: str) -> None:
    """Hold, until the transaction ends, the right to replace rows of `table_name`.

    On PostgreSQL two runs replacing the same window (two materializations of one partition,
    or two hours of one day for the review queue) would otherwise both delete the old rows,
    both insert, and the second would fail on the primary key; with this lock the second
    waits for the first to commit, then replaces its rows. SQLite already lets one writer at
    a time replace rows. Call it before the delete, inside the replacing transaction.
    """
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema() || '.' || :table))"),
        {"key": _REBUILD_LOCK_KEY, "table": table_name},
    )
