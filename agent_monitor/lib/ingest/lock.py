"""One ingestion at a time per warehouse, so de-duplication never races with itself."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

# PostgreSQL advisory locks are database-wide; the second key, a hash of the schema, keeps
# warehouses in different schemas of one database from waiting on each other.
_INGEST_LOCK_KEY = 0x61676D69  # "agmi"
_LOCK = "SELECT pg_advisory_lock(:key, hashtext(current_schema()))"
_UNLOCK = "SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"


@contextmanager
def ingestion_lock(engine: Engine) -> Iterator[None]:
    """A PostgreSQL advisory lock for the warehouse's schema, or a file lock beside the SQLite database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text(_LOCK), {"key": _INGEST_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text(_UNLOCK), {"key": _INGEST_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database + ".ingest.lock")
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
