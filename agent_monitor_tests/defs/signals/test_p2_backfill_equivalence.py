"""drift_signals_hourly: an hour built alone and inside a one-run backfill gives the same P2 row."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agent_monitor.defs.signals.assets import drift_signals_hourly
from agent_monitor.lib.warehouse.tables_signals import drift_signals_hourly as table
from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, config_file, materialize, seed_metrics, table_rows


def _rows() -> list[dict[str, Any]]:
    """Hedging 1.0/3.0 (even/odd hours) in hours 0..70; entropy 1.0/1.2 from hour 40 on."""
    rows = []
    for i in range(71):
        row: dict[str, Any] = {"hour": DAY0 + HOUR * i, "agent_id": "shift", "n_responses": 10,
                               "n_hedging": 4, "hedging_sum": 4 * (1.0 if i % 2 == 0 else 3.0)}
        if i >= 40:
            row.update(n_entropy=10, entropy_sum=10 * (1.0 if i % 2 == 0 else 1.2))
        rows.append(row)
    return rows


def _row_at(engine: Engine, hour: int) -> dict[str, Any]:
    (row,) = [r for r in table_rows(engine, table, "hour") if r["hour"] == DAY0 + HOUR * hour]
    return {k: v for k, v in row.items() if k != "built_at"}


def test_the_hour_built_alone_and_in_a_backfill_is_the_same_row(
    warehouse_engine: Engine, warehouse_url: str, tmp_path: Path
) -> None:
    seed_metrics(warehouse_engine, _rows())
    config = config_file(tmp_path)
    assert materialize(warehouse_url, config, [drift_signals_hourly], DAY0 + HOUR * 30).success
    alone = _row_at(warehouse_engine, 30)
    # One run over hours 30..70: later hours carry entropy, which must not change hour 30.
    assert materialize(warehouse_url, config, [drift_signals_hourly],
                       DAY0 + HOUR * 30, DAY0 + HOUR * 70).success
    backfilled = _row_at(warehouse_engine, 30)
    assert backfilled == alone
    # Hour 30 has no entropy: proxies. Hedging 1.0 against hours 0..29 (15 × 1.0, 15 × 3.0,
    # mean 2, std sqrt(30/29)): z = −sqrt(29/30); hour 29: z = +sqrt(30/29); P2 = the smaller.
    assert (alone["p2_source"], alone["p2_signal"]) == ("proxies", "hedging")
    assert alone["p2_z"] == pytest.approx(-math.sqrt(29 / 30))
    # Hour 65: entropy, with 25 baseline hours of its own (40..64); min(z65, z64) = z64 =
    # (1.0 − 1.1)/sqrt(0.24/23) = −0.97895.
    late = _row_at(warehouse_engine, 65)
    assert (late["p2_source"], late["p2_signal"]) == ("entropy", "entropy")
    assert late["p2_z"] == pytest.approx(-0.1 / math.sqrt(0.24 / 23))
    # And hour 65 rebuilt alone agrees with the backfill too.
    assert materialize(warehouse_url, config, [drift_signals_hourly], DAY0 + HOUR * 65).success
    assert _row_at(warehouse_engine, 65) == late
