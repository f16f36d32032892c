"""A PostgreSQL setting for a few statements of a transaction, its previous value after them.

JIT is off for every warehouse connection (lib/warehouse/connection.py). What some statements
still need is set here: memory (`work_mem` bounds each sort, hash and CTE; with the default
4 MB the large ones of a build spill to temporary files), or a plan the planner misprices.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, text


@contextmanager
def local_setting(connection: Connection, name: str, value: str) -> Iterator[None]:
    """On PostgreSQL, setting `name` = value for the statements run inside, the previous value
    after (local to the connection's transaction); nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        yield
        return
    previous = connection.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar_one()
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
    yield
    # Not after an error: the transaction is lost, and the local setting with it.
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": previous})


def work_mem(connection: Connection, size: str) -> AbstractContextManager[None]:
    """`work_mem` = size for the statements run inside (see local_setting)."""
    return local_setting(connection, "work_mem", size)
