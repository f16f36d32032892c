"""M6 through agent_metrics_hourly when success runs are long: the replay reads only the
outcomes that can change it (every failure, the first three successes after each failure
and of each hour), and the incidents are the ones worked out from the full sequence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as metrics
from agent_monitor_tests.defs.metrics.harness import Seeded, hour
from agent_monitor_tests.events import response


def ok(event_id: str, clock: str) -> dict:
    return response(event_id, f"2026-01-05T{clock}Z")


def error(event_id: str, clock: str) -> dict:
    return response(event_id, f"2026-01-05T{clock}Z", status="error", error_type="timeout")


EVENTS = [
    *(ok(f"a{i}", f"10:00:0{i}") for i in range(5)),          # healthy: five successes
    error("f1", "10:10:00"),                                  # opens incident 1
    ok("b1", "10:10:30"), ok("b2", "10:10:40"),               # two successes: not a recovery
    error("f2", "10:11:00"),                                  # incident 1 still open
    *(ok(f"c{i}", f"10:12:{i}0") for i in range(5)),          # recovers at 10:12:00 (confirmed 10:12:20)
    error("f3", "10:59:00"),                                  # opens incident 2
    ok("d0", "10:59:30"),                                     # first success of the recovering run
    *(ok(f"e{i}", f"11:00:{i + 1}0") for i in range(4)),      # 11:00:10, 11:00:20 confirm it
]


def test_incidents_across_long_success_runs_and_an_hour_boundary(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest(EVENTS)
    seeded.materialize("2026-01-05-10:00", "2026-01-05-11:00", selection=["agent_metrics_hourly"])
    h10 = seeded.one(metrics, hour=hour("2026-01-05-10:00"), agent_id="billing", agent_version="")
    h11 = seeded.one(metrics, hour=hour("2026-01-05-11:00"), agent_id="billing", agent_version="")
    # Hour 10: incident 1 recovered 10:12:00 − 10:10:00 = 120 s; incident 2 open since
    # 10:59:00, 60 s old at 11:00.
    assert (h10["n_incidents_recovered"], h10["m6_mttr_seconds"]) == (1, pytest.approx(120.0))
    assert h10["m6_open_incident_age_seconds"] == pytest.approx(60.0)
    assert h10["m6_open_incident_opened_at"] == datetime(2026, 1, 5, 10, 59)
    # Hour 11: incident 2 recovered at 10:59:30 (run 10:59:30, 11:00:10, 11:00:20) → 30 s.
    assert (h11["n_incidents_recovered"], h11["m6_mttr_seconds"]) == (1, pytest.approx(30.0))
    assert h11["m6_open_incident_age_seconds"] is None
    # Built alone, hour 11 replays the same outcomes from its 24-hour look-back.
    seeded.materialize("2026-01-05-11:00", selection=["agent_metrics_hourly"])
    again = seeded.one(metrics, hour=hour("2026-01-05-11:00"), agent_id="billing", agent_version="")
    assert (again["n_incidents_recovered"], again["m6_mttr_seconds"]) == (1, pytest.approx(30.0))
