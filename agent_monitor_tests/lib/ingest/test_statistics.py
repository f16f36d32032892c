"""Ingestion refreshes the lookup columns' statistics as a run grows (after 10, 40, 160… ×)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.lib.ingest import store
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor_tests.events import response, write_jsonl


def test_lookup_statistics_are_refreshed_after_10_then_40_events_when_the_threshold_is_10(
    warehouse_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "ANALYZE_AFTER_EVENTS", 10)
    refreshed_at: list[int] = []
    real_refresh = store.refresh_lookup_statistics

    def counting_refresh(connection) -> None:  # type: ignore[no-untyped-def]
        refreshed_at.append(len(refreshed_at))
        real_refresh(connection)

    monkeypatch.setattr(store, "refresh_lookup_statistics", counting_refresh)
    events = [response(f"r{i}", f"2026-01-05T10:{i // 60:02d}:{i % 60:02d}Z", turn=1) for i in range(100)]
    path = write_jsonl(tmp_path / "events.jsonl", events)
    result = ingest_path(warehouse_engine, path, batch_size=5)
    # Batches of 5: after the batch reaching 10 accepted (next at 40), then 40 (next at 160 > 100).
    assert result.accepted == 100
    assert len(refreshed_at) == 2


def test_refreshing_lookup_statistics_counts_the_rows_on_postgres(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "events.jsonl", [response(f"r{i}", "2026-01-05T10:00:00Z", turn=1) for i in range(3)])
    ingest_path(warehouse_engine, path)
    with warehouse_engine.begin() as connection:
        store.refresh_lookup_statistics(connection)  # a no-op on SQLite
        if connection.dialect.name == "postgresql":
            reltuples = connection.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'raw_events'::regclass"
            ).scalar_one()
            assert reltuples == 3
