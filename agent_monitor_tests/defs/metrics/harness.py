"""Seed a warehouse with hand-made events and materialize the metric assets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from sqlalchemy import Table, select

from agent_monitor.defs.ingest.assets import raw_events as raw_events_spec
from agent_monitor.defs.metrics import assets, checks
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import IngestResult, ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.events import write_jsonl

ASSETS = [raw_events_spec, assets.agent_metrics_hourly, assets.session_coherence,
          assets.decision_consistency_hourly]
CHECKS = [
    checks.agent_metrics_hourly_rates_within_bounds,
    checks.agent_metrics_hourly_numerators_le_denominators,
    checks.agent_metrics_hourly_rates_null_without_denominator,
    checks.decision_consistency_hourly_counts_consistent,
    checks.session_coherence_late_responses_le_responses,
]
METRIC_ASSETS = ASSETS[1:]


class Seeded:
    """A warehouse URL plus a counter of ingested files."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.n_files = 0
        self.engine = open_warehouse(url)
        (folder / "none.yaml").write_text("{}\n")

    def ingest(self, events: list[dict[str, Any]]) -> IngestResult:
        self.n_files += 1
        return ingest_path(self.engine, write_jsonl(self.folder / f"batch{self.n_files}.jsonl", events))

    def materialize(self, first: str, last: str | None = None,
                    selection: list[Any] | None = None, as_of: str | None = None,
                    instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
        """Materialize one partition, or one run over the range first..last, built at `as_of`.

        `as_of` (RFC 3339) is the moment the build takes as now; by default the wall clock.
        """
        kwargs: dict[str, Any] = {}
        if last is None:
            kwargs["partition_key"] = first
        else:
            # One run over the range, as a single-run backfill launches it.
            kwargs["tags"] = {ASSET_PARTITION_RANGE_START_TAG: first,
                              ASSET_PARTITION_RANGE_END_TAG: last}
        result = dg.materialize(
            [*ASSETS, *CHECKS],
            selection=selection or METRIC_ASSETS,
            resources={"warehouse": Warehouse(url=self.url),
                       "settings": MonitorSettings(path=str(self.folder / "none.yaml")),
                       "clock": Clock(fixed_now=as_of)},
            instance=instance,
            **kwargs,
        )
        assert result.success
        return result

    def rows(self, table: Table, **where: Any) -> list[dict[str, Any]]:
        statement = select(table)
        for name, value in where.items():
            statement = statement.where(table.c[name] == value)
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(statement)]

    def one(self, table: Table, **where: Any) -> dict[str, Any]:
        found = self.rows(table, **where)
        assert len(found) == 1, found
        return found[0]


def hour(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d-%H:%M")


def set_inclusion(engine: Any, event_id: str, ts: datetime, pi: float) -> None:
    """A review_queue row carrying π for one response (the table the sampler writes)."""
    from sqlalchemy import MetaData

    queue = Table("review_queue", MetaData(), autoload_with=engine)
    row = {"event_id": event_id, "hour": ts.replace(minute=0), "day": ts.replace(hour=0, minute=0),
           "agent_id": "billing", "ts": ts, "u": 0.0, "rule_probability": pi,
           "inclusion_probability": pi, "reasons": [], "status": "reviewed",
           "expires_at": ts, "built_at": ts}
    with engine.begin() as connection:
        connection.execute(queue.insert(), [{k: v for k, v in row.items() if k in queue.c}])


def step(event_id: str, ts: str, run: str, agent: str, status: str = "succeeded") -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "workflow_step", "ts": ts, "workflow_id": "wf",
            "workflow_run_id": run, "step_id": event_id, "agent_id": agent, "status": status}


def run(event_id: str, ts: str, run_id: str, status: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "workflow_run", "ts": ts, "workflow_id": "wf",
            "workflow_run_id": run_id, "status": status}


def escalation(event_id: str, ts: str, session: str, kind: str) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "escalation", "ts": ts, "session_id": session,
            "kind": kind}
