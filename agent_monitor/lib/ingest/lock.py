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
_TRY_LOCK = "SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"
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


@contextmanager
def idle_ingestion_lock(engine: Engine) -> Iterator[bool]:
    """The ingestion lock if no ingestion holds it now (True), else nothing (False); never waits."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            acquired = bool(connection.execute(text(_TRY_LOCK), {"key": _INGEST_LOCK_KEY}).scalar())
            connection.commit()
            try:
                yield acquired
            finally:
                if acquired:
                    connection.execute(text(_UNLOCK), {"key": _INGEST_LOCK_KEY})
                    connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    with Path(database + ".ingest.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
