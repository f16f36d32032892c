"""Drift rows read only their input columns (INPUT_COLUMNS) and equal the rows from every column."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup import build_agent_metrics
from agent_monitor.lib.signal_rollup.drift_rows import INPUT_COLUMNS, SignalParams, drift_row
from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours
from agent_monitor.lib.warehouse.open import open_warehouse

T0 = datetime(2026, 1, 5, 0)


def test_drift_rows_from_input_columns_equal_rows_from_every_column(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    ingest_path(engine, write_bench_file(tmp_path / "e.jsonl", 4000, T0, timedelta(hours=30), n_agents=3))
    end = T0 + timedelta(hours=30)
    build_agent_metrics(engine, T0, end, end + timedelta(hours=1))
    params = SignalParams(p1_window=4, p1_min_hours=2, p2_history=24, p2_min_history=4,
                          p3_history=24, p3_min_history=4)
    with engine.connect() as connection:
        every = read_agent_hours(connection, T0, end)
        inputs = read_agent_hours(connection, T0, end, only=INPUT_COLUMNS)
    assert inputs.keys() == every.keys() and len(every) == 3
    n_scored = 0
    for agent, hours in every.items():
        assert hours.keys() == inputs[agent].keys()
        assert set(next(iter(inputs[agent].values()))) == set(INPUT_COLUMNS)
        for hour in sorted(hours)[-6:]:
            row = drift_row(agent, hour, hours, params)
            assert drift_row(agent, hour, inputs[agent], params) == row
            n_scored += row["p2_z"] is not None and row["turn_rate"] is not None
    assert n_scored >= 6
    engine.dispose()
