"""A one-run backfill of two hours reports, through the instance, each hour's own figures."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from agent_monitor_tests.defs.metrics.harness import Seeded
from agent_monitor_tests.events import response

H10 = "2026-01-05-10:00"
H11 = "2026-01-05-11:00"


def ts(clock: str) -> str:
    return f"2026-01-05T{clock}Z"


def metadata_by_partition(instance: dg.DagsterInstance, asset: str) -> dict[str, dict[str, object]]:
    records = instance.fetch_materializations(dg.AssetKey(asset), limit=10).records
    out = {}
    for record in records:
        materialization = record.asset_materialization
        assert materialization is not None and materialization.partition is not None
        out[materialization.partition] = {k: v.value for k, v in materialization.metadata.items()}
    return out


def test_single_run_backfill_reports_each_hour(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        # 10:00: billing answers twice in session s1, one answer flagged: M4 = 1/2.
        response("a1", ts("10:05:00"), session_id="s1", turn=1, flags=["hallucination:x"]),
        response("a2", ts("10:20:00"), session_id="s1", turn=2),
        # 11:00: billing answers three times (s2, s3), search once (s4), no flags at all.
        response("b1", ts("11:01:00"), session_id="s2", turn=1),
        response("b2", ts("11:02:00"), session_id="s2", turn=2),
        response("b3", ts("11:30:00"), session_id="s3", turn=1),
        response("b4", ts("11:40:00"), session_id="s4", turn=1, agent_id="search"),
    ])
    instance = dg.DagsterInstance.ephemeral()
    result = seeded.materialize(H10, H11, as_of="2026-01-05T13:00:00Z", instance=instance)

    metrics = metadata_by_partition(instance, "agent_metrics_hourly")
    assert set(metrics) == {H10, H11}
    # One row per agent (the agent-level row): billing at 10:00; billing and search at 11:00.
    assert metrics[H10]["rows"] == 1 and metrics[H11]["rows"] == 2
    assert metrics[H10]["responses"] == 2 and metrics[H11]["responses"] == 4
    assert metrics[H10]["m4_hallucination_rate"] == 0.5
    # No response of 11:00 carries `flags`: no validator ran, so M4 has no data (not 0.0).
    assert "m4_hallucination_rate" not in metrics[H11]
    # Sessions belong to the hour of their last event: s1 at 10:00; s2, s3, s4 at 11:00.
    sessions = metadata_by_partition(instance, "session_coherence")
    assert sessions[H10]["sessions"] == 1 and sessions[H11]["sessions"] == 3
    # Both hours were built by the same single run.
    runs = {r.run_id for r in instance.fetch_materializations(
        dg.AssetKey("agent_metrics_hourly"), limit=10).records}
    assert runs == {result.run_id}
