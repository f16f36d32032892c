"""The bench event writer: exact counts, inside the window, all accepted by ingestion."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import Engine, func, select

from agent_monitor.bench.events import BenchEventWriter, write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import raw_events

START = datetime(2026, 1, 5, 10)


def test_the_writer_yields_exactly_the_requested_number_of_events_inside_the_window() -> None:
    lines = list(BenchEventWriter(seed=1).lines(5_000, START, timedelta(hours=1)))
    events = [orjson.loads(line) for line in lines]
    assert len(events) == 5_000
    # Every ts is in [10:00, 11:00) on 2026-01-05.
    assert all("2026-01-05T10:" in e["ts"] for e in events)
    assert len({e["event_id"] for e in events}) == 5_000
    kinds = {e["event_type"] for e in events}
    assert kinds == {"agent_response", "user_message", "review", "escalation", "workflow_run", "workflow_step"}
    # Some conversations run past turn 50, so the session profiler sees late responses.
    assert any(e["event_type"] == "agent_response" and e["turn"] >= 50 for e in events)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a = write_bench_file(tmp_path / "a.jsonl", 500, START, seed=5)
    b = write_bench_file(tmp_path / "b.jsonl", 500, START, seed=5)
    assert a.read_bytes() == b.read_bytes()


def test_every_generated_event_is_accepted(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = write_bench_file(tmp_path / "e.jsonl", 1_000, START, timedelta(hours=2), n_agents=7)
    result = ingest_path(warehouse_engine, path)
    # 1000 lines, no duplicates or bad lines: all accepted.
    assert (result.lines_read, result.accepted, result.quarantined) == (1_000, 1_000, 0)
    with warehouse_engine.connect() as connection:
        agents = connection.execute(
            select(func.count(func.distinct(raw_events.c.agent_id))).where(
                raw_events.c.event_type == "agent_response")
        ).scalar_one()
    assert agents <= 7
