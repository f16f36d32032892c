"""Helpers for the signal, cascade and health asset tests: seeded rollup rows and runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from sqlalchemy import Engine, insert, select

from agent_monitor.defs.cascades.assets import cascade_correlations, failure_chains
from agent_monitor.defs.health.assets import agent_health
from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.defs.signals.assets import drift_signals_hourly
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly

DAY0 = datetime(2026, 1, 5)
HOUR = timedelta(hours=1)
ASSETS = [raw_events, drift_signals_hourly, failure_chains, cascade_correlations, agent_health]


def key(hour: datetime) -> str:
    """The partition key of an hour."""
    return hour.strftime("%Y-%m-%d-%H:%M")


def seed_metrics(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """Insert agent_metrics_hourly rows (agent_version '' and n_responses 0 unless given)."""
    full = [{"agent_version": "", "n_responses": 0, "built_at": DAY0, **row} for row in rows]
    columns = {c for row in full for c in row}
    full = [{c: row.get(c) for c in columns} for row in full]
    with engine.begin() as connection:
        connection.execute(insert(agent_metrics_hourly), full)


def config_file(tmp_path: Path, text: str = "{}\n") -> str:
    path = tmp_path / "agent_monitor.yaml"
    path.write_text(text)
    return str(path)


def materialize(
    warehouse_url: str, config: str, selection: list[Any], first: datetime,
    last: datetime | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize the selected assets for one hour or an inclusive range of hours."""
    kwargs: dict[str, Any] = (
        {"partition_key": key(first)} if last is None
        else {"tags": {ASSET_PARTITION_RANGE_START_TAG: key(first), ASSET_PARTITION_RANGE_END_TAG: key(last)}}
    )
    return dg.materialize(
        ASSETS,
        resources={"warehouse": Warehouse(url=warehouse_url), "settings": MonitorSettings(path=config),
                   "clock": Clock()},
        selection=selection,
        **kwargs,
    )


def table_rows(engine: Engine, table: Any, *order: str) -> list[dict[str, Any]]:
    """Every row of a table as dicts, ordered by the named columns."""
    with engine.connect() as connection:
        query = select(table).order_by(*(table.c[c] for c in order))
        return [dict(r) for r in connection.execute(query).mappings()]
