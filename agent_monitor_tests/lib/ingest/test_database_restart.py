"""A PostgreSQL restart between ingestions: the next ingestion reconnects, nothing is lost."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor_tests.conftest import POSTGRES_URL
from agent_monitor_tests.events import response, write_jsonl


def test_ingestion_survives_the_server_dropping_every_connection(postgres_url: str, tmp_path: Path) -> None:
    # A name for this test's connections, so only they are cut (not the fixture's own).
    engine = open_warehouse(f"{postgres_url}&application_name=am_restart_test")
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z")]))
    # What a restart does to clients: every open connection of the pool is cut.
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        cut = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'am_restart_test'"
        )).scalar_one()
    admin.dispose()
    assert cut >= 1
    second = ingest_path(engine, write_jsonl(tmp_path / "b.jsonl", [response("r2", "2026-01-05T10:01:00Z")]))
    assert (second.accepted, second.duplicates) == (1, 0)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(raw_events)).scalar_one() == 2
    engine.dispose()
