"""agent_health through the asset: statuses from seeded rollups, signals and cascade edges."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.defs.cascades.assets import cascade_correlations
from agent_monitor.defs.health.assets import agent_health
from agent_monitor.defs.signals.assets import drift_signals_hourly
from agent_monitor.lib.warehouse.tables_health import agent_health as table
from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, config_file, materialize, seed_metrics, table_rows

NOW = DAY0 + HOUR * 30  # 2026-01-06 06:00


def test_statuses_overrides_and_metadata(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    seed_metrics(warehouse_engine, [
        # 23 hours earlier: inside M1's 24-hour window. Σw 30, Σwc 27 (0.9), Σw·correct 21 (0.7).
        {"hour": NOW - HOUR * 23, "agent_id": "billing", "n_responses": 40, "n_reviewed": 30,
         "m1_weight_sum": 30.0, "m1_weighted_confidence_sum": 27.0, "m1_weighted_correct_sum": 21.0},
        # This hour: 3 flagged of 100 → M4 0.03 > 0.02.
        {"hour": NOW, "agent_id": "billing", "n_responses": 100, "n_hallucination_flagged": 3},
        # 24 hours earlier: outside every window, so "old" gets no row at all.
        {"hour": NOW - HOUR * 24, "agent_id": "old", "n_responses": 100, "n_hallucination_flagged": 50},
        # "support" only 5 hours ago: within the 24-hour windows, so it is reported (no_data).
        {"hour": NOW - HOUR * 5, "agent_id": "support", "n_responses": 10},
    ])
    config = config_file(tmp_path, "agents:\n  support:\n    rules:\n      m4_hallucination_rate:\n        window_hours: 6\n")
    result = materialize(warehouse_url, config, [drift_signals_hourly, cascade_correlations, agent_health], NOW)
    assert result.success
    rows = {(r["agent_id"], r["rule"], r["scope"]): r for r in table_rows(warehouse_engine, table, "agent_id")}
    assert {a for a, _, _ in rows} == {"billing", "support"}
    # M1 over 24 h: |0.9 - 0.7| = 0.2 > 0.10 with 30 reviewed → critical.
    m1 = rows[("billing", "m1_confidence_divergence", "")]
    assert m1["status"] == "critical" and m1["value"] == pytest.approx(0.2) and m1["n_samples"] == 30
    m4 = rows[("billing", "m4_hallucination_rate", "")]
    assert m4["status"] == "warning" and m4["value"] == pytest.approx(0.03) and m4["n_samples"] == 100
    assert rows[("billing", "overall", "")]["status"] == "critical"
    # support: M4 over its 6-hour window: 0 flagged of 10 responses < 100 → no_data, overall no_data.
    support_m4 = rows[("support", "m4_hallucination_rate", "")]
    assert support_m4["status"] == "no_data" and support_m4["n_samples"] == 10
    assert rows[("support", "overall", "")]["status"] == "no_data"
    assert len(rows) == 2 * 11

    metadata = result.asset_materializations_for_node("agent_health")[0].metadata
    assert metadata["agents_critical"].value == 1 and metadata["agents_no_data"].value == 1
    assert metadata["rules_critical"].value == 1 and metadata["rules_warning"].value == 1
    assert "m4_hallucination_rate" in metadata["non_ok_rules"].value
