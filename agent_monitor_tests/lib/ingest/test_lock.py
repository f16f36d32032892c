"""The ingestion lock: one ingestion at a time per warehouse, not per PostgreSQL database."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from agent_monitor.lib.ingest.lock import _INGEST_LOCK_KEY, ingestion_lock

TRY_LOCK = "SELECT pg_try_advisory_lock(:key, hashtext(current_schema()))"
UNLOCK = "SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"


def _can_lock(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            got = bool(connection.execute(text(TRY_LOCK), {"key": _INGEST_LOCK_KEY}).scalar_one())
            if got:
                connection.execute(text(UNLOCK), {"key": _INGEST_LOCK_KEY})
            return got
    finally:
        engine.dispose()


def test_an_ingestion_locks_its_own_schema_only(postgres_url: str, other_postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        assert _can_lock(postgres_url)
        with ingestion_lock(engine):
            # Another session of the same warehouse must wait; a warehouse in another schema need not.
            assert not _can_lock(postgres_url)
            assert _can_lock(other_postgres_url)
        assert _can_lock(postgres_url)
    finally:
        engine.dispose()
