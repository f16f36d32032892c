"""An existing warehouse from an older release is upgraded in place, keeping its rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text

from agent_monitor.lib.warehouse.schema import upgrade_schema
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, raw_events


def test_missing_tables_and_columns_are_added_without_touching_existing_rows(warehouse_url: str) -> None:
    engine = create_engine(warehouse_url)
    # An "older" warehouse: a ledger table that lacks most of today's columns, with one row.
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE TABLE ingestion_ledger (ingest_id INTEGER PRIMARY KEY, source TEXT NOT NULL, "
            "source_format VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, started_at TIMESTAMP NOT NULL, "
            "lines_read INTEGER NOT NULL, accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL, "
            "quarantined INTEGER NOT NULL)"
        ))
        connection.execute(text(
            "INSERT INTO ingestion_ledger VALUES (7, '/logs/a.jsonl', 'jsonl', 'complete', '2026-01-05 10:00:00', 3, 2, 1, 0)"
        ))
    changes = upgrade_schema(engine)
    assert "add column ingestion_ledger.checksum" in changes
    assert "create table raw_events" in changes
    columns = {c["name"] for c in inspect(engine).get_columns("ingestion_ledger")}
    assert {c.name for c in ingestion_ledger.columns} <= columns
    with engine.connect() as connection:
        row = connection.execute(select(ingestion_ledger)).one()
    assert (row.ingest_id, row.source, row.lines_read, row.accepted, row.duplicates) == (7, "/logs/a.jsonl", 3, 2, 1)
    assert row.checksum is None  # added columns start empty
    # A second upgrade has nothing left to do.
    assert upgrade_schema(engine) == []
    engine.dispose()


def test_a_new_warehouse_gets_every_declared_index_created_in_name_order(tmp_path: Path) -> None:
    # SQLite breaks ties between equally good indexes by creation order; created in a set's
    # order, M7's escalation lookup took the session index in some processes and not others.
    engine = create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade_schema(engine)
    with engine.connect() as connection:
        created = [name for (name,) in connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'raw_events'"
            " AND name NOT LIKE 'sqlite_autoindex%' ORDER BY rowid"))]
    engine.dispose()
    assert created == sorted(index.name for index in raw_events.indexes)
    assert "ix_raw_events_escalations" in created


def test_an_index_replaced_by_another_is_dropped_once_the_replacement_exists(warehouse_url: str) -> None:
    engine = create_engine(warehouse_url)
    upgrade_schema(engine)
    # A warehouse of the release before: the session index on session_id alone, one event.
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_raw_events_session_ts"))
        connection.execute(text("CREATE INDEX ix_raw_events_session ON raw_events (session_id)"))
        connection.execute(text(
            "INSERT INTO raw_events (event_id, event_type, ts, ts_epoch, session_id, schema_version, content_hash, ingest_id)"
            " VALUES ('e1', 'user_message', '2026-01-05 10:00:00', 1767607200, 's1', 1, 'h', 1)"))
    assert upgrade_schema(engine) == ["create index ix_raw_events_session_ts", "drop index ix_raw_events_session"]
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("raw_events")}
    assert indexes["ix_raw_events_session_ts"] == ["session_id", "ts"]
    assert "ix_raw_events_session" not in indexes
    with engine.connect() as connection:
        assert connection.execute(text("SELECT event_id, session_id FROM raw_events")).all() == [("e1", "s1")]
    assert upgrade_schema(engine) == []
    engine.dispose()
