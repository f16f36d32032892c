"""The README's backfill recipe: every table for a window in one `dagster asset materialize` run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly
from agent_monitor_tests.conftest import PROJECT_ROOT
from agent_monitor_tests.events import response, write_jsonl

pytestmark = pytest.mark.slow
FIRST, LAST = "2026-01-05-10:00", "2026-01-05-11:00"


def test_the_cli_recipe_builds_every_asset_for_the_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = open_warehouse(url)
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", [
        response("a1", "2026-01-05T10:05:00Z"), response("a2", "2026-01-05T11:05:00Z"),
        response("a3", "2026-01-05T11:06:00Z", agent_id="search", session_id="s2"),
    ]))
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "AGENT_MONITOR_DATABASE_URL": url,
           "AGENT_MONITOR_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "agent_monitor.definitions",
         "--select", "*", "--partition-range", f"{FIRST}...{LAST}"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
        hourly = ("agent_metrics_hourly", "session_coherence", "decision_consistency_hourly",
                  "review_queue", "failure_chains", "cascade_correlations", "drift_signals_hourly",
                  "agent_health")
        for asset in hourly:
            records = instance.fetch_materializations(dg.AssetKey(asset), limit=10).records
            partitions = {r.asset_materialization.partition for r in records if r.asset_materialization}
            assert partitions == {FIRST, LAST}, asset
        assert instance.fetch_materializations(dg.AssetKey("agent_health_dashboard"), limit=1).records
    # One agent at 10:00 (billing), two at 11:00 (billing, search).
    with engine.connect() as connection:
        per_hour = dict(connection.execute(
            select(agent_metrics_hourly.c.hour, func.count()).group_by(agent_metrics_hourly.c.hour)).all())
    assert sorted(per_hour.values()) == [1, 2]
