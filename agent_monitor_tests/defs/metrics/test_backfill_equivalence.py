"""A one-run backfill and hour-by-hour rebuilds after shuffled arrivals give identical rows."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agent_monitor.lib.generator import GeneratorSettings, generate
from agent_monitor.lib.warehouse.tables_metrics import (
    agent_metrics_hourly,
    decision_consistency_hourly,
    session_coherence,
)
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, raw_event_hours
from agent_monitor_tests.defs.metrics.harness import Seeded

TABLES = (agent_metrics_hourly, session_coherence, decision_consistency_hourly)
HOURS = 6
LOOKBACK_HOURS = 24  # the metric assets read the 24 raw_events hours before their own


def snapshot(seeded: Seeded) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the three tables without built_at, floats rounded, sorted."""
    out = {}
    for table in TABLES:
        rows = []
        for row in seeded.rows(table):
            row.pop("built_at")
            rows.append(tuple(
                (k, round(v, 9) if isinstance(v, float) else v) for k, v in sorted(row.items())
            ))
        out[table.name] = sorted(rows, key=repr)
    return out


def touched_hours(seeded: Seeded) -> list[Any]:
    """Hours whose inputs the latest ingestion changed (the raw_events sensor reports these)."""
    with seeded.engine.connect() as connection:
        latest = connection.execute(select(func.max(ingestion_ledger.c.ingest_id))).scalar_one()
        return [r[0] for r in connection.execute(
            select(raw_event_hours.c.hour).where(raw_event_hours.c.last_ingest_id == latest))]


@pytest.mark.slow
def test_backfill_equals_incremental_in_shuffled_arrival_order(warehouse_url: str, tmp_path: Path) -> None:
    settings = GeneratorSettings(hours=HOURS, traffic_scale=0.15, seed=11)
    generate(settings, tmp_path / "gen")
    events = [json.loads(line) for path in sorted((tmp_path / "gen").glob("events-*.jsonl"))
              for line in path.read_text().splitlines() if line.strip()]
    random.Random(5).shuffle(events)
    first = settings.start.replace(tzinfo=None)
    window = [first + timedelta(hours=i) for i in range(HOURS)]

    seeded = Seeded(warehouse_url, tmp_path)
    for batch in (events[:400], events[400:1200], events[1200:]):
        seeded.ingest(batch)
        stale = set()
        for touched in touched_hours(seeded):
            stale |= {touched + timedelta(hours=k) for k in range(LOOKBACK_HOURS + 1)}
        # Hour by hour, latest first: the order of rebuilds must not matter either.
        for hour in sorted((h for h in window if h in stale), reverse=True):
            seeded.materialize(hour.strftime("%Y-%m-%d-%H:%M"))
    incremental = snapshot(seeded)

    seeded.materialize(window[0].strftime("%Y-%m-%d-%H:%M"), window[-1].strftime("%Y-%m-%d-%H:%M"))
    backfill = snapshot(seeded)

    assert len(backfill["agent_metrics_hourly"]) > 10
    assert len(backfill["session_coherence"]) > 10
    assert len(backfill["decision_consistency_hourly"]) > 5
    for name in backfill:
        assert incremental[name] == backfill[name], name
