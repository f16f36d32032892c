"""Every table a live replay built, compared row for row with a one-run backfill of the same events."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine, Table, select

from agent_monitor.build import build_window
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_metrics import (
    agent_metrics_hourly,
    decision_consistency_hourly,
    session_coherence,
)
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor.lib.warehouse.tables_signals import (
    cascade_correlations,
    drift_signals_hourly,
    failure_chains,
)

COMPARED: tuple[Table, ...] = (
    review_queue, agent_metrics_hourly, session_coherence, decision_consistency_hourly,
    drift_signals_hourly, failure_chains, cascade_correlations, agent_health,
)
# When a row was written, and the moment it was judged at, differ between the two builds by
# design; whether an unreviewed item is still pending or expired is as of its last build.
IGNORED = {"built_at", "as_of"}


def backfill(
    files: Iterable[Path], database_url: str, settings: MonitorSettings, first_hour: datetime, as_of: datetime
) -> Engine:
    """Ingest the files into a new warehouse and build every hour from `first_hour` to the hour
    of `as_of` in one run, as of `as_of` — the hours a live replay that ended then had built."""
    from agent_monitor.definitions import defs

    engine = open_warehouse(database_url)
    for path in files:
        ingest_path(engine, path)
    warehouse = Warehouse(url=database_url)
    with dg.DagsterInstance.ephemeral() as instance:
        build_window(defs, instance, first_hour, as_of.replace(minute=0, second=0, microsecond=0),
                     warehouse=warehouse, settings=settings, quiet=True,
                     clock=Clock(fixed_now=as_of.isoformat()))
    return engine


def _value(column: str, value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.9g}")
    if isinstance(value, list):
        return tuple(_value(column, v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _value(k, v)) for k, v in value.items()))
    return value


def _rows(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    names = [c.name for c in table.columns if c.name not in IGNORED]
    with engine.connect() as connection:
        rows = connection.execute(select(*(table.c[n] for n in names))).mappings().all()
    out = []
    for row in rows:
        values = {n: _value(n, row[n]) for n in names}
        if table is review_queue and values.get("status") in ("pending", "expired"):
            values["status"] = "unreviewed"
        out.append(tuple(values[n] for n in names))
    return sorted(out, key=repr)


def table_differences(live: Engine, rebuilt: Engine, limit: int = 3) -> dict[str, list[str]]:
    """Per table with differences: how many rows only one side has, with a few examples."""
    differences: dict[str, list[str]] = {}
    for table in COMPARED:
        a, b = _rows(live, table), _rows(rebuilt, table)
        if a == b:
            continue
        in_a, in_b = set(a), set(b)
        only_live = [r for r in a if r not in in_b]
        only_backfill = [r for r in b if r not in in_a]
        differences[table.name] = [
            f"{len(a)} rows live, {len(b)} in the backfill; {len(only_live)} only live, "
            f"{len(only_backfill)} only in the backfill",
            *(f"live only: {r}" for r in only_live[:limit]),
            *(f"backfill only: {r}" for r in only_backfill[:limit]),
        ]
    return differences
