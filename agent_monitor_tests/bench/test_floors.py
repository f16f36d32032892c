"""Floors: the bulk load stores every line; the scan groups the hour's rows by agent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from agent_monitor.bench.floors import floor_load, floor_scan
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor_tests.events import response, write_jsonl


def test_floor_load_then_scan_counts_the_hour_by_agent(warehouse_url: str, tmp_path: Path) -> None:
    events = [
        response("r1", "2026-01-05T10:00:00Z", agent_id="a", confidence=0.5, output_tokens=10),
        response("r2", "2026-01-05T10:30:00Z", agent_id="a", confidence=0.7, output_tokens=20),
        response("r3", "2026-01-05T10:59:59Z", agent_id="b", confidence=0.9, output_tokens=5),
        response("r4", "2026-01-05T11:00:00Z", agent_id="c", confidence=0.1, output_tokens=1),  # next hour
    ]
    loaded = floor_load(warehouse_url, write_jsonl(tmp_path / "e.jsonl", events))
    assert loaded["events"] == 4
    engine = open_warehouse(warehouse_url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(raw_events)).scalar_one() == 4
        groups = connection.execute(
            select(raw_events.c.agent_id, func.avg(raw_events.c.confidence), func.sum(raw_events.c.output_tokens))
            .where(raw_events.c.ts < datetime(2026, 1, 5, 11)).group_by(raw_events.c.agent_id)
            .order_by(raw_events.c.agent_id)
        ).all()
    engine.dispose()
    # a: (0.5 + 0.7) / 2 = 0.6 and 10 + 20 = 30 tokens; b: 0.9 and 5.
    assert [(g[0], round(g[1], 9), g[2]) for g in groups] == [("a", 0.6, 30), ("b", 0.9, 5)]
    # The 10:00 hour has agents a and b: two groups.
    assert floor_scan(warehouse_url, datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11))["groups"] == 2
