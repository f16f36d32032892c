"""Ingest real log files and build every hourly asset over the hours they cover, in one run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, Table, func, select

from agent_monitor.build import build_window, hourly_asset_keys
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import IngestResult, ingest_path
from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor_tests.conftest import SHARED_DATA

TAU2 = SHARED_DATA / "tau2-bench"
TAU_BENCH = SHARED_DATA / "tau-bench"


@dataclass
class Built:
    """A warehouse after ingestion and one build_window run."""

    engine: Engine
    ingested: list[IngestResult]
    result: dg.ExecuteInProcessResult
    first_hour: datetime
    last_hour: datetime
    built_keys: list[dg.AssetKey]

    def table(self, name: str) -> Table:
        return metadata.tables[name]

    def rows(self, name: str, **where: Any) -> list[dict[str, Any]]:
        table = self.table(name)
        statement = select(table)
        for column, value in where.items():
            statement = statement.where(table.c[column] == value)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(statement)]

    def total(self, name: str, column: str, **where: Any) -> int:
        """Σ column over the rows matching where (None counts as 0)."""
        return sum(row[column] or 0 for row in self.rows(name, **where))

    def count_events(self, **where: Any) -> int:
        statement = select(func.count()).select_from(raw_events)
        for column, value in where.items():
            statement = statement.where(raw_events.c[column] == value)
        with self.engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())


def _floor_hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def ingest_and_build(
    url: str,
    paths: Sequence[Path],
    home: Path,
    last_hour: datetime | None = None,
) -> Built:
    """Ingest the files, then build every hourly asset from the first event's hour to the last
    (or to `last_hour`) in one run, as the demo and a one-run backfill do.

    `home` is an empty folder: it holds the (empty) config and stands in for AGENT_MONITOR_HOME.
    """
    config = home / "config.yaml"
    config.write_text("{}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENT_MONITOR_HOME", str(home))
        patch.setenv("AGENT_MONITOR_CONFIG", str(config))
        patch.delenv("AGENT_MONITOR_DATABASE_URL", raising=False)
        patch.delenv("SLACK_BOT_TOKEN", raising=False)
        return _ingest_and_build(url, paths, config, last_hour)


def _ingest_and_build(
    url: str, paths: Sequence[Path], config: Path, last_hour: datetime | None
) -> Built:
    from agent_monitor.definitions import defs

    engine = open_warehouse(url)
    ingested = [ingest_path(engine, path) for path in paths]
    with engine.connect() as connection:
        first, last = connection.execute(select(func.min(raw_events.c.ts), func.max(raw_events.c.ts))).one()
    first_hour = _floor_hour(first)
    last_hour = last_hour if last_hour is not None else _floor_hour(last)
    with dg.instance_for_test() as instance:
        result = build_window(
            defs,
            instance,
            first_hour,
            last_hour,
            warehouse=Warehouse(url=url),
            settings=MonitorSettings(path=str(config)),
        )
    assert result is not None
    return Built(engine, ingested, result, first_hour, last_hour, hourly_asset_keys(defs))
