"""The raw_events update sensor reports hours that have just ended, so every hour built while it
was still filling is built once more as a whole hour (SPEC §8 "Now": a later rebuild moves the
as-of time forward)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from agent_monitor.defs.ingest.sensors import raw_events_update_sensor
from agent_monitor.defs.resources import Clock, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor_tests.events import response, write_jsonl


def tick(warehouse: Warehouse, cursor: str | None, at: str) -> tuple[list[tuple[str, bool]], str | None]:
    resources = {"warehouse": warehouse, "clock": Clock(fixed_now=at)}
    with dg.build_sensor_context(cursor=cursor, resources=resources) as context:
        result = raw_events_update_sensor(context)
    reported = sorted((e.partition, "hour_ended" in e.metadata) for e in result.asset_events or [])
    return reported, result.cursor


def test_each_hour_is_reported_once_when_it_ends_while_its_look_back_has_events(
    warehouse_url: str, tmp_path: Path
) -> None:
    warehouse = Warehouse(url=warehouse_url)
    ingest_path(warehouse.engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:05:00Z")]))
    # 10:10: hour 10 has new events (reported as changed, not as ended).
    reported, cursor = tick(warehouse, None, "2026-01-05T10:10:00Z")
    assert reported == [("2026-01-05-10:00", False)]
    # 10:50: nothing new, nothing ended.
    reported, cursor = tick(warehouse, cursor, "2026-01-05T10:50:00Z")
    assert reported == []
    # 11:02: hour 10 has ended → reported once more, as ended.
    reported, cursor = tick(warehouse, cursor, "2026-01-05T11:02:00Z")
    assert reported == [("2026-01-05-10:00", True)]
    reported, cursor = tick(warehouse, cursor, "2026-01-05T11:30:00Z")
    assert reported == []
    # Two days later, in one tick: the hours that ended since 11:00 on Jan 5 whose 24-hour
    # look-back holds hour 10 of Jan 5 are 11:00 Jan 5 … 10:00 Jan 6 = 24 hours; later ones
    # have nothing to judge.
    reported, cursor = tick(warehouse, cursor, "2026-01-07T00:30:00Z")
    assert [key for key, _ in reported] == [f"2026-01-05-{h:02d}:00" for h in range(11, 24)] + [
        f"2026-01-06-{h:02d}:00" for h in range(0, 11)]
    assert all(ended for _, ended in reported)


def test_the_first_tick_reports_no_backlog_of_ended_hours(warehouse_url: str, tmp_path: Path) -> None:
    warehouse = Warehouse(url=warehouse_url)
    ingest_path(warehouse.engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:05:00Z")]))
    # A sensor started long after the data reports what changed, but no hour as ended.
    reported, _ = tick(warehouse, None, "2026-01-05T15:10:00Z")
    assert reported == [("2026-01-05-10:00", False)]
