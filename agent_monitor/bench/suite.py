"""The benchmark suite: every measurement for each database, with floors and ratios."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agent_monitor.bench import databases
from agent_monitor.bench.databases import DEFAULT_POSTGRES_URL
from agent_monitor.bench.events import write_bench_file
from agent_monitor.bench.machine import machine_info
from agent_monitor.bench.runner import MeasurementError
from agent_monitor.bench.runner import run_measure as _run_measure
from agent_monitor.lib.warehouse.connection import redact

HOUR_KEY = "2026-01-05-10:00"
BACKFILL_START_KEY = "2026-02-01-00:00"
SENSOR_START_KEY = "2026-03-01-00:00"
REBUILD_KEY = "2026-04-08-10:00"
KEY_FORMAT = "%Y-%m-%d-%H:%M"

TARGETS = {
    "ingest_events_per_second_postgres": 100_000,
    "ingest_ratio_to_floor": 2.0,
    "hour_ratio_to_floor": 3.0,
    "backfill_30_days_seconds": 1800,
    "peak_rss_mib": 1536,
    "sensor_tick_seconds": 2.0,
    "ratio_to_duckdb": 2.0,
    "rebuild_7_days_ratio_to_alone": 1.3,
}


@dataclass
class BenchOptions:
    events: int = 1_000_000
    backfill_days: float = 30
    events_per_hour: int = 50_000
    backfill_chunk_hours: int = 24
    sensor_agents: int = 500
    sensor_hours: int = 6
    sensor_events_per_agent_hour: int = 10
    rebuild_events_per_hour: int = 10_000
    rebuild_history_hours: list[int] = field(default_factory=lambda: [0, 24, 168])
    databases: list[str] = field(default_factory=lambda: ["sqlite", "postgres"])
    parts: list[str] = field(default_factory=lambda: ["ingest", "hour", "rebuild", "backfill", "sensors"])
    postgres_url: str = DEFAULT_POSTGRES_URL
    workdir: str = "/tmp/agent_monitor_bench"
    config: str | None = None
    # A warehouse already loaded with the backfill's events (load_hours): used as it is, kept.
    backfill_warehouse: str | None = None

    @classmethod
    def quick(cls, **overrides: Any) -> BenchOptions:
        """A tiny version of every measurement (well under a minute per database)."""
        values: dict[str, Any] = {
            "events": 3_000, "backfill_days": 0.125, "events_per_hour": 300, "backfill_chunk_hours": 3,
            "sensor_agents": 500, "sensor_hours": 1, "sensor_events_per_agent_hour": 2,
            "rebuild_events_per_hour": 100, "rebuild_history_hours": [0, 24],
        }
        values.update(overrides)
        return cls(**values)


def run_measure(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The measurement, or {"error": …} so one failure does not lose the other figures."""
    try:
        return _run_measure(name, params)
    except MeasurementError as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        return {"error": " | ".join([lines[0], *lines[-1:]]) if lines else name}


def _ratio(value: float | None, floor: float | None) -> float | None:
    return value / floor if value and floor else None


def _ingest_inline(kind: str, options: BenchOptions, workdir: Path, events_file: Path) -> dict[str, Any]:
    """The same file validated in the ingesting process only (no workers): what one core does."""
    url = databases.fresh_url(kind, workdir, "inline", options.postgres_url)
    try:
        return run_measure("ingest", {"url": url, "path": str(events_file), "validation_workers": 0})
    finally:
        databases.drop(url)


def _ingest_part(kind: str, options: BenchOptions, workdir: Path, events_file: Path) -> dict[str, Any]:
    url = databases.fresh_url(kind, workdir, "ingest", options.postgres_url)
    floor_url = databases.fresh_url(kind, workdir, "floor", options.postgres_url)
    try:
        ingest = run_measure("ingest", {"url": url, "path": str(events_file)})
        inline = _ingest_inline(kind, options, workdir, events_file)
        floor = run_measure("ingest_floor", {"url": floor_url, "path": str(events_file)})
        out: dict[str, Any] = {
            "ingest": ingest, "ingest_inline": inline, "ingest_floor": floor,
            "ingest_ratio_to_floor": _ratio(floor.get("events_per_second"), ingest.get("events_per_second")),
            "ingest_inline_ratio_to_floor": _ratio(floor.get("events_per_second"), inline.get("events_per_second")),
        }
        if "hour" in options.parts:
            params = {"url": url, "key": HOUR_KEY, "config": options.config}
            build = run_measure("hour_build", params)
            scan = run_measure("hour_floor", params)
            out.update(hour_build=build, hour_floor=scan,
                       hour_ratio_to_floor=_ratio(build.get("seconds"), scan.get("seconds")))
            if build.get("success"):
                out["peer"] = run_measure("peer", params)
        return out
    finally:
        databases.drop(url)
        databases.drop(floor_url)


def _points(hours: int) -> list[int]:
    return sorted({0, hours // 4, hours // 2, (3 * hours) // 4, hours - 1})


def _backfill_part(kind: str, options: BenchOptions, workdir: Path) -> dict[str, Any]:
    hours = max(1, round(options.backfill_days * 24))
    reused = options.backfill_warehouse
    url = reused or databases.fresh_url(kind, workdir, "backfill", options.postgres_url)
    base = {"url": url, "key": BACKFILL_START_KEY, "hours": hours, "config": options.config}
    try:
        if reused:
            load: dict[str, Any] = {"reused_warehouse": redact(reused), **run_measure("count_events", base)}
        else:
            load = run_measure("load_hours", {**base, "events_per_hour": options.events_per_hour,
                                              "workdir": str(workdir)})
        build = run_measure("backfill", {**base, "chunk_hours": options.backfill_chunk_hours})
        points = run_measure("hour_points", {**base, "points": _points(hours)})
        return {"hours": hours, "events_per_hour": options.events_per_hour, "load": load,
                "build": build, "hour_points": points}
    finally:
        if not reused:
            databases.drop(url)


def _rebuild_part(kind: str, options: BenchOptions, workdir: Path) -> dict[str, Any]:
    """One hour rebuilt alone and with 1 and 7 days of built history before it."""
    runs: dict[str, Any] = {}
    for hours in options.rebuild_history_hours:
        url = databases.fresh_url(kind, workdir, "rebuild", options.postgres_url)
        try:
            runs[str(hours)] = run_measure("rebuild_with_history", {
                "url": url, "key": REBUILD_KEY, "history_hours": hours, "config": options.config,
                "events_per_hour": options.rebuild_events_per_hour, "workdir": str(workdir)})
        finally:
            databases.drop(url)
    alone = runs.get("0", {}).get("seconds")
    ratios = {h: _ratio(run.get("seconds"), alone) for h, run in runs.items() if h != "0"}
    return {"events_per_hour": options.rebuild_events_per_hour, "runs": runs, "ratio_to_alone": ratios}


def _sensor_part(kind: str, options: BenchOptions, workdir: Path) -> dict[str, Any]:
    url = databases.fresh_url(kind, workdir, "sensors", options.postgres_url)
    start = datetime.strptime(SENSOR_START_KEY, KEY_FORMAT)
    last_key = (start + timedelta(hours=options.sensor_hours - 1)).strftime(KEY_FORMAT)
    try:
        path = workdir / f"sensor-events-{os.getpid()}.jsonl"
        n = options.sensor_agents * options.sensor_hours * options.sensor_events_per_agent_hour
        write_bench_file(path, n, start, timedelta(hours=options.sensor_hours),
                         n_agents=options.sensor_agents, seed=3, prefix="s")
        run_measure("ingest", {"url": url, "path": str(path)})
        path.unlink()
        ticks = run_measure("sensor_ticks", {"url": url, "last_key": last_key, "config": options.config})
        return {"agents": options.sensor_agents, "hours": options.sensor_hours, "events": n, **ticks}
    finally:
        databases.drop(url)


def run_suite(options: BenchOptions, progress: Any = print) -> dict[str, Any]:
    """Run the selected parts on each database; returns the JSON-ready results."""
    workdir = Path(options.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started_at": datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(options.postgres_url if "postgres" in options.databases else None),
        "options": asdict(options), "targets": TARGETS, "databases": {},
    }
    events_file = workdir / f"events-{options.events}.jsonl"
    if {"ingest", "hour"} & set(options.parts) and not events_file.exists():
        progress(f"writing {options.events} events for {HOUR_KEY} to {events_file}")
        write_bench_file(events_file, options.events, datetime.strptime(HOUR_KEY, KEY_FORMAT))
    for kind in options.databases:
        part: dict[str, Any] = {}
        if {"ingest", "hour"} & set(options.parts):
            progress(f"{kind}: ingest and one-hour build")
            part.update(_ingest_part(kind, options, workdir, events_file))
        if "rebuild" in options.parts:
            progress(f"{kind}: one hour rebuilt with {options.rebuild_history_hours} hours of history")
            part["rebuild"] = _rebuild_part(kind, options, workdir)
        if "backfill" in options.parts:
            progress(f"{kind}: backfill")
            part["backfill"] = _backfill_part(kind, options, workdir)
        if "sensors" in options.parts:
            progress(f"{kind}: sensor ticks")
            part["sensors"] = _sensor_part(kind, options, workdir)
        results["databases"][kind] = part
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results
