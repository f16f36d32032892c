"""Hourly rows summed across versions come back as plain numbers on every database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert

from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly

HOUR = datetime(2026, 1, 5, 10)


def test_sums_of_bigint_columns_are_ints_not_decimals(warehouse_engine: Engine) -> None:
    # Two versions of one agent in one hour: output tokens 1200 + 800 = 2000 (BIGINT columns,
    # which PostgreSQL sums to NUMERIC), output-token counts 3 + 2 = 5, confidence 2.4 + 1.5.
    base = {"hour": HOUR, "agent_id": "billing", "n_responses": 0, "built_at": HOUR}
    rows = [
        {**base, "agent_version": "v1", "output_tokens_sum": 1200, "n_output_tokens": 3, "confidence_sum": 2.4},
        {**base, "agent_version": "v2", "output_tokens_sum": 800, "n_output_tokens": 2, "confidence_sum": 1.5},
    ]
    with warehouse_engine.begin() as connection:
        connection.execute(insert(agent_metrics_hourly), rows)
    with warehouse_engine.connect() as connection:
        hour = read_agent_hours(connection, HOUR, datetime(2026, 1, 5, 11))["billing"][HOUR]
    assert hour["output_tokens_sum"] == 2000 and type(hour["output_tokens_sum"]) is int
    assert hour["n_output_tokens"] == 5
    assert abs(hour["confidence_sum"] - 3.9) < 1e-9 and isinstance(hour["confidence_sum"], float)
    # The arithmetic the drift signals do with these values works on both databases.
    assert hour["output_tokens_sum"] / hour["n_output_tokens"] - 1.0 == 399.0
