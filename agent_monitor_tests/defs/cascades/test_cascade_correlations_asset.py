"""cascade_correlations through the asset: r and p on hand-made 15-minute failure series."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scipy import stats
from sqlalchemy import Engine

from agent_monitor.defs.cascades.assets import cascade_correlations
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations as table
from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, config_file, materialize, table_rows
from agent_monitor_tests.events import write_jsonl

FIRST_BUCKET = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# Failures out of 5 steps per agent in the eight buckets 09:00 … 10:45.
UPSTREAM_FAILED = [0, 1, 2, 3, 4, 5, 0, 1]
DOWNSTREAM_FAILED = [0, 1, 2, 3, 5, 4, 0, 1]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _step(run: str, step_id: str, agent: str, failed: bool, ts: datetime, depends_on: list[str]) -> dict[str, Any]:
    return {"event_id": f"{run}:{step_id}", "event_type": "workflow_step", "ts": _iso(ts),
            "workflow_id": "w", "workflow_run_id": run, "step_id": step_id, "agent_id": agent,
            "status": "failed" if failed else "succeeded", "depends_on": depends_on}


def _bucket_runs(bucket_start: datetime, up_failed: int, down_failed: int, n_down: int = 5) -> list[dict[str, Any]]:
    """Five runs: api step u, then worker step d (depends on u), then audit step (always ok)."""
    events = []
    for i in range(5):
        # Offsets 60, 260, 460, 660, 860 s: the last one is near the bucket's end, where
        # rounding instead of flooring would move it into the next bucket.
        ts = bucket_start + timedelta(seconds=60 + 200 * i)
        run = f"r{int(bucket_start.timestamp())}-{i}"
        events.append(_step(run, "u", "api", i < up_failed, ts, []))
        if i < n_down:
            events.append(_step(run, "d", "worker", i < down_failed, ts + timedelta(seconds=5), ["u"]))
            events.append(_step(run, "z", "audit", False, ts + timedelta(seconds=6), ["d"]))
    return events


def test_pearson_r_p_value_and_cascade_risk(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    events = []
    for k, (up, down) in enumerate(zip(UPSTREAM_FAILED, DOWNSTREAM_FAILED, strict=True)):
        events += _bucket_runs(FIRST_BUCKET + timedelta(minutes=15 * k), up, down)
    # 08:45: worker ran only 4 steps (< 5), so this bucket (5 vs 0 failures) must not count.
    events += _bucket_runs(FIRST_BUCKET - timedelta(minutes=15), 5, 0, n_down=4)
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "steps.jsonl", events))
    assert materialize(warehouse_url, config_file(tmp_path), [cascade_correlations], DAY0 + HOUR * 10).success

    rows = {(r["upstream_agent_id"], r["downstream_agent_id"]): r for r in table_rows(warehouse_engine, table, "upstream_agent_id")}
    assert set(rows) == {("api", "worker"), ("worker", "audit")}
    edge = rows[("api", "worker")]
    assert edge["window_start"] == datetime(2026, 1, 4, 11) and edge["window_end"] == datetime(2026, 1, 5, 11)
    # Failure counts x = [0,1,2,3,4,5,0,1], y = [0,1,2,3,5,4,0,1] (÷5 does not change r):
    # means 2 and 2; Σdx·dy = 4+1+0+1+6+6+4+1 = 23; Σdx² = Σdy² = 24 → r = 23/24.
    r = 23 / 24
    assert edge["n_buckets"] == 8
    assert edge["r"] == pytest.approx(r)
    # Two-sided p from t = r·sqrt((n-2)/(1-r²)) = 8.2178 with 6 degrees of freedom.
    t = r * math.sqrt(6 / (1 - r * r))
    assert edge["p_value"] == pytest.approx(2 * stats.t.sf(t, 6), rel=1e-6)
    assert edge["cascade_risk"] is True
    # Both failed in buckets 2–6 and 8 (x and y > 0): 6 ≥ 3; upstream 6, downstream 6.
    assert (edge["upstream_failing_buckets"], edge["downstream_failing_buckets"], edge["co_failing_buckets"]) == (6, 6, 6)
    # 8 buckets × 5 + 5 (08:45) api steps; 8 × 5 + 4 worker steps.
    assert edge["upstream_steps"] == 45 and edge["upstream_failed"] == 16 + 5
    assert edge["downstream_steps"] == 44 and edge["downstream_failed"] == 16
    # audit never fails: a constant series, r undefined, no risk.
    audit = rows[("worker", "audit")]
    assert audit["r"] is None and audit["p_value"] is None and audit["cascade_risk"] is False
    assert audit["n_buckets"] == 8  # 08:45 has only 4 worker and 4 audit steps


def test_seven_buckets_are_never_a_risk(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    events = []
    for k, failed in enumerate([0, 1, 2, 3, 4, 5, 0]):
        events += _bucket_runs(FIRST_BUCKET + timedelta(minutes=15 * k), failed, failed)
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "steps.jsonl", events))
    assert materialize(warehouse_url, config_file(tmp_path), [cascade_correlations], DAY0 + HOUR * 10).success
    edge = {(r["upstream_agent_id"], r["downstream_agent_id"]): r for r in table_rows(warehouse_engine, table, "hour")}[("api", "worker")]
    # Identical series → r = 1, but 7 buckets < 8.
    assert edge["n_buckets"] == 7 and edge["r"] == pytest.approx(1.0) and edge["cascade_risk"] is False


def test_failures_in_a_single_bucket_are_no_cascade_risk(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    events = []
    for k in range(8):
        failed = 1 if k == 3 else 0  # one failure each, in the same bucket
        events += _bucket_runs(FIRST_BUCKET + timedelta(minutes=15 * k), failed, failed)
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "steps.jsonl", events))
    assert materialize(warehouse_url, config_file(tmp_path), [cascade_correlations], DAY0 + HOUR * 10).success
    edge = {(r["upstream_agent_id"], r["downstream_agent_id"]): r for r in table_rows(warehouse_engine, table, "hour")}[("api", "worker")]
    # Identical series [0,0,0,0.2,0,0,0,0] → r = 1 over 8 buckets, p ≈ 0; but each side failed
    # in one bucket only: one coincidence (< 3 buckets where both failed), not a correlation.
    assert edge["n_buckets"] == 8 and edge["r"] == pytest.approx(1.0) and edge["p_value"] < 0.05
    assert (edge["upstream_failing_buckets"], edge["downstream_failing_buckets"], edge["co_failing_buckets"]) == (1, 1, 1)
    assert edge["cascade_risk"] is False
