"""Latency percentiles: on PostgreSQL computed in the responses scan, equal to the separate
latency query; on both databases the values worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.hourly import agent_metrics_rows
from agent_monitor.lib.rollup.sql import run_query, window_queries
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.events import response, write_jsonl


def test_percentiles_by_hand(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    at = "2026-01-05T10:00:{:02d}Z"
    # Latencies 400, 100, 300, 200 and one without: p50 = 250 (between 200 and 300), p95 at
    # position 0.95 × 3 = 2.85: 300 + 0.85 × (400 − 300) = 385. Version v2 has none: NULL.
    events = [response(f"r{i}", at.format(i), latency_ms=v) for i, v in enumerate((400, 100, 300, 200))]
    events += [response("r9", at.format(9)), response("v2", at.format(10), agent_version="v2")]
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    with engine.connect() as connection:
        rows = agent_metrics_rows(connection, datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11),
                                  datetime(2026, 1, 6))
    by_version = {r["agent_version"]: r for r in rows}
    assert by_version[""]["latency_p50_ms"] == pytest.approx(250.0)
    assert by_version[""]["latency_p95_ms"] == pytest.approx(385.0)
    assert by_version[""]["n_latency"] == 4
    assert by_version["v2"].get("latency_p50_ms") is None and by_version["v2"]["n_latency"] == 0
    engine.dispose()


@pytest.mark.postgres
def test_postgres_percentiles_in_responses_equal_the_latency_query(postgres_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(postgres_url)
    path = write_bench_file(tmp_path / "e.jsonl", 6000, datetime(2026, 1, 5, 9), timedelta(hours=3), n_agents=6)
    ingest_path(engine, path)
    start, end = datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 12)
    with engine.connect() as connection:
        assert "latency" not in window_queries("postgresql")
        merged = {(r["hour_epoch"], r["agent_id"], r["agent_version"]): (r["latency_p50_ms"], r["latency_p95_ms"])
                  for r in run_query(connection, "responses", start, end)}
        alone = {(r["hour_epoch"], r["agent_id"], r["agent_version"]): (r["latency_p50_ms"], r["latency_p95_ms"])
                 for r in run_query(connection, "latency", start, end)}
    assert len(alone) >= 18
    assert {k: v for k, v in merged.items() if v != (None, None)} == alone
    engine.dispose()


def test_sqlite_ranks_latency_in_its_own_query() -> None:
    assert window_queries("sqlite") == ("responses", "latency", "shadow_pairs")
