"""One tick of the production loop at a simulated moment: the real sensors, the real
automation evaluation, the real jobs and materializations, in the order the daemon runs them."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from agent_monitor.build import QUIET_RUN_CONFIG, build_window, hourly_asset_keys, report_changed_hours
from agent_monitor.defs.alerting.sensors import agent_health_alert_sensor
from agent_monitor.defs.ingest.jobs import ingest_job
from agent_monitor.defs.ingest.sensors import landing_folder_sensor
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.replay.arrivals import Delivery

HOUR = timedelta(hours=1)
KEY_FORMAT = "%Y-%m-%d-%H:%M"


@dataclass
class Loop:
    """The state the daemon keeps between ticks: sensor cursors, the automation cursor."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    warehouse: Warehouse
    settings: MonitorSettings
    landing: Path
    pending: list[Delivery]
    landing_cursor: str | None = None
    update_cursor: str | None = None
    automation_cursor: object | None = None
    runs: int = 0
    built_partitions: int = 0
    seconds: Counter[str] = field(default_factory=Counter)  # per step of the tick
    step_seconds: Counter[str] = field(default_factory=Counter)  # per asset step of the builds
    hourly_keys: list[dg.AssetKey] = field(default_factory=list)

    def tick(self, now: datetime) -> None:
        """Deliver what has arrived by `now`, then run each sensor and what it asks for."""
        clock = Clock(fixed_now=now.isoformat())
        started = time.perf_counter()
        self._deliver(now)
        self._ingest()
        self.update_cursor = report_changed_hours(self.instance, self.warehouse, self.update_cursor, clock)
        self.seconds["ingest"] += time.perf_counter() - started
        self._build(now, clock)
        started = time.perf_counter()
        resources = {"warehouse": self.warehouse, "settings": self.settings, "clock": clock}
        with dg.build_sensor_context(instance=self.instance, resources=resources) as context:
            agent_health_alert_sensor(context)
        self.seconds["alert"] += time.perf_counter() - started

    def _deliver(self, now: datetime) -> None:
        settled = time.time() - 60  # older than the landing sensor's settle time
        while self.pending and self.pending[0].at <= now:
            delivery = self.pending.pop(0)
            path = self.landing / delivery.name
            path.write_bytes(b"".join(line + b"\n" for line in delivery.lines))
            os.utime(path, (settled, settled))

    def _ingest(self) -> None:
        resources = {"settings": self.settings, "warehouse": self.warehouse}
        with dg.build_sensor_context(instance=self.instance, cursor=self.landing_cursor,
                                     resources=resources) as context:
            result = landing_folder_sensor(context)
        self.landing_cursor = result.cursor or self.landing_cursor
        for request in result.run_requests or []:
            run = ingest_job.execute_in_process(
                run_config={**request.run_config, **QUIET_RUN_CONFIG},
                instance=self.instance, resources=resources, tags=request.tags, raise_on_error=False)
            self.runs += 1
            if not run.success:
                raise RuntimeError(f"ingestion failed at the replayed tick: {request.run_config}")

    def _build(self, now: datetime, clock: Clock) -> None:
        """Evaluate every automation condition at `now` and materialize what it requests."""
        if not self.hourly_keys:
            self.hourly_keys = hourly_asset_keys(self.defs)
        started = time.perf_counter()
        evaluation = dg.evaluate_automation_conditions(
            defs=self.defs, instance=self.instance, cursor=self.automation_cursor,  # type: ignore[arg-type]
            evaluation_time=now.replace(tzinfo=UTC))
        self.automation_cursor = evaluation.cursor
        self.seconds["automation"] += time.perf_counter() - started
        requested = {key: {datetime.strptime(p, KEY_FORMAT) for p in evaluation.get_requested_partitions(key)}
                     for key in self.hourly_keys}
        for first, last, keys in _runs(requested):
            started = time.perf_counter()
            result = build_window(self.defs, self.instance, first, last, warehouse=self.warehouse,
                                  settings=self.settings, selection=keys, quiet=True, clock=clock)
            self.seconds["build"] += time.perf_counter() - started
            self._count_steps(result)
            self.runs += 1
            self.built_partitions += len(keys) * int((last - first) / HOUR + 1)
            if result is None or not result.success:
                raise RuntimeError(f"the build of {first:%Y-%m-%d %H:00} … {last:%H:00} requested at "
                                   f"{now:%Y-%m-%d %H:%M} failed")

    def _count_steps(self, result: dg.ExecuteInProcessResult | None) -> None:
        for event in result.all_events if result is not None else []:
            if event.event_type_value == "STEP_SUCCESS" and event.step_key:
                self.step_seconds[event.step_key] += event.event_specific_data.duration_ms / 1000  # type: ignore[union-attr]


def _runs(requested: dict[dg.AssetKey, set[datetime]]) -> list[tuple[datetime, datetime, list[dg.AssetKey]]]:
    """The requested asset partitions as runs over ranges of hours, oldest range first.

    Consecutive hours that request the same assets share a run (the hourly tables' look-backs
    point back in time only, so building ranges oldest first sees every input rebuilt).
    """
    by_hour: dict[datetime, tuple[dg.AssetKey, ...]] = {}
    for key, hours in requested.items():  # keys in dependency order
        for hour in hours:
            by_hour[hour] = (*by_hour.get(hour, ()), key)
    runs: list[tuple[datetime, datetime, list[dg.AssetKey]]] = []
    for hour in sorted(by_hour):
        keys = list(by_hour[hour])
        if runs and hour - runs[-1][1] == HOUR and runs[-1][2] == keys:
            runs[-1] = (runs[-1][0], hour, keys)
        else:
            runs.append((hour, hour, keys))
    return runs
