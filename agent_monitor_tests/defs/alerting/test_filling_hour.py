"""The alert sensor during an hour that is still filling pages only for what has happened.

Every hourly asset is materialized as of a moment inside the hour and the real alert sensor
ticks at that moment against the loopback Slack stand-in (SPEC §8 "Now")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from agent_monitor.build import build_window
from agent_monitor.definitions import defs
from agent_monitor.defs.alerting.sensors import agent_health_alert_sensor
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor_tests.defs.alerting.conftest import TOKEN, keys
from agent_monitor_tests.defs.metrics.harness import run, step
from agent_monitor_tests.events import response, write_jsonl

HOUR = datetime(2026, 1, 5, 10)


def ts(clock: str) -> str:
    return f"2026-01-05T{clock}Z"


def events() -> list[dict]:
    # Twenty runs of B started 10:00–10:09, two a minute (steps at 10:0i:20 and 10:0i:40), no
    # terminal status: they stall at 10:30:20 … 10:39:40. C: three successes, then an error at
    # 10:05:30.
    out = []
    for i in range(10):
        for half, second in (("a", "20"), ("b", "40")):
            out += [run(f"ra{i}{half}", ts(f"10:0{i}:00"), f"rr{i}{half}", "started"),
                    step(f"rs{i}{half}", ts(f"10:0{i}:{second}"), f"rr{i}{half}", "B")]
    out += [response(f"c{i}", ts(f"10:0{i}:00"), agent_id="C", session_id="sc") for i in range(3)]
    out.append(response("c9", ts("10:05:30"), agent_id="C", session_id="sc", status="error"))
    return out


def tick(warehouse: Warehouse, settings: MonitorSettings, instance: dg.DagsterInstance, at: str) -> None:
    """Build every hourly asset of hour 10 as of `at`, then run the alert sensor at `at`."""
    clock = Clock(fixed_now=at)
    result = build_window(defs, instance, HOUR, HOUR, warehouse=warehouse, settings=settings,
                          clock=clock, quiet=True)
    assert result is not None and result.success
    resources = {"warehouse": warehouse, "settings": settings, "clock": clock}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        agent_health_alert_sensor(context)


def test_no_page_for_a_stall_or_incident_age_that_has_not_happened(
    warehouse_url: str, tmp_path: Path, standin: SlackStandIn, config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    warehouse, settings = Warehouse(url=warehouse_url), MonitorSettings(path=str(config_path))
    ingest_path(warehouse.engine, write_jsonl(tmp_path / "e.jsonl", events()))
    with dg.instance_for_test() as instance:
        # 10:10: no run has been silent 30 min; C's incident is 270 s old (alert: > 300 s).
        tick(warehouse, settings, instance, ts("10:10:00"))
        assert keys(standin) == []
        # 10:40: all twenty runs have stalled (B 0/20, below 0.90; while the hour fills M5's
        # window takes in 09:00 and its minimum of 10 runs doubles to 20) and C's incident is
        # 10:40 − 10:05:30 = 2070 s old: both pages are true now.
        tick(warehouse, settings, instance, ts("10:40:00"))
        assert sorted(keys(standin)) == [
            "m5_workflow_completion:agent=B:1:fire:1",
            "m6_recovery_time:agent=C:1:fire:1",
        ]
