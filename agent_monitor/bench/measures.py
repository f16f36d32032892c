"""The measurements, each run in its own process (see runner.py) so its peak memory is its own."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agent_monitor.bench.assets import build_hours
from agent_monitor.bench.events import write_bench_file
from agent_monitor.bench.floors import floor_load, floor_scan
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse

KEY_FORMAT = "%Y-%m-%d-%H:%M"


def _hour(value: str) -> datetime:
    return datetime.strptime(value, KEY_FORMAT)


def ingest(params: dict[str, Any]) -> dict[str, Any]:
    """Ingest one file with the real pipeline into the warehouse at `url` (`validation_workers`
    as ingest_path takes it: absent = decided by the file's size and the CPUs)."""
    engine = open_warehouse(params["url"])
    started = time.perf_counter()
    result = ingest_path(engine, Path(params["path"]), batch_size=params.get("batch_size", 5000),
                         validation_workers=params.get("validation_workers"))
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "events": result.accepted, "seconds": seconds, "events_per_second": result.accepted / seconds,
        "validation_workers": result.validation_workers,
    }


def ingest_floor(params: dict[str, Any]) -> dict[str, Any]:
    return floor_load(params["url"], Path(params["path"]))


def hour_build(params: dict[str, Any]) -> dict[str, Any]:
    return build_hours(params["url"], params["key"], params.get("last_key"), params.get("config"))


def hour_floor(params: dict[str, Any]) -> dict[str, Any]:
    start = _hour(params["key"])
    return floor_scan(params["url"], start, start + timedelta(hours=params.get("hours", 1)))


def versus_peer(params: dict[str, Any]) -> dict[str, Any]:
    """Ours and DuckDB computing the same outputs of the (built) hour, timed and compared."""
    from agent_monitor.bench.versus import versus

    return versus(params["url"], params["key"], params.get("config"))


def load_hours(params: dict[str, Any]) -> dict[str, Any]:
    """Write and ingest `events_per_hour` events for each of `hours` hours, one file a day."""
    engine = open_warehouse(params["url"])
    workdir = Path(params["workdir"])
    start = _hour(params["key"])
    hours, per_hour = int(params["hours"]), int(params["events_per_hour"])
    seconds_ingesting, events = 0.0, 0
    for day_start in range(0, hours, 24):
        span = min(24, hours - day_start)
        path = workdir / f"load-{os.getpid()}-{day_start}.jsonl"
        write_bench_file(path, per_hour * span, start + timedelta(hours=day_start), timedelta(hours=span),
                         n_agents=params.get("n_agents", 50), seed=day_start + 1, prefix=f"d{day_start}-")
        began = time.perf_counter()
        events += ingest_path(engine, path).accepted
        seconds_ingesting += time.perf_counter() - began
        path.unlink()
    engine.dispose()
    return {"events": events, "ingest_seconds": seconds_ingesting}


def _ingest_generated(engine: Any, path: Path, n: int, start: datetime, span: timedelta, **writer: Any) -> float:
    write_bench_file(path, n, start, span, **writer)
    began = time.perf_counter()
    ingest_path(engine, path)
    path.unlink()
    return time.perf_counter() - began


def rebuild_with_history(params: dict[str, Any]) -> dict[str, Any]:
    """Rebuild one hour on a warehouse holding `history_hours` built hours before it.

    The hour's own events are the same whatever the history (their own seed), so only the
    history differs between runs. The history is loaded (one file a day) and built in one
    run, the hour built once, then rebuilt `repeats` (3) times: the fastest is its figure.
    """
    engine = open_warehouse(params["url"])
    workdir = Path(params["workdir"])
    target, history = _hour(params["key"]), int(params["history_hours"])
    per_hour, agents = int(params["events_per_hour"]), int(params.get("n_agents", 50))
    first = target - timedelta(hours=history)
    ingest_seconds = 0.0
    for offset in range(0, history, 24):
        span = min(24, history - offset)
        ingest_seconds += _ingest_generated(
            engine, workdir / f"history-{os.getpid()}-{offset}.jsonl", per_hour * span,
            first + timedelta(hours=offset), timedelta(hours=span), n_agents=agents, seed=offset + 1,
            prefix=f"d{offset}-")
    ingest_seconds += _ingest_generated(engine, workdir / f"hour-{os.getpid()}.jsonl", per_hour, target,
                                        timedelta(hours=1), n_agents=agents, seed=99, prefix="t-")
    engine.dispose()
    out: dict[str, Any] = {"history_hours": history, "events_per_hour": per_hour, "ingest_seconds": ingest_seconds}
    if history:
        built = _attempt(params["url"], first.strftime(KEY_FORMAT),
                         (target - timedelta(hours=1)).strftime(KEY_FORMAT), params.get("config"))
        out["history_build"] = {k: built.get(k) for k in ("seconds", "success", "error") if k in built}
    first_build = _attempt(params["url"], params["key"], None, params.get("config"))
    out["first_build_seconds"] = first_build["seconds"]
    rebuilds = [build_hours(params["url"], params["key"], None, params.get("config"))
                for _ in range(int(params.get("repeats", 3)))]
    out["rebuild_seconds"] = [r["seconds"] for r in rebuilds]
    out["seconds"] = min(out["rebuild_seconds"])
    out["step_seconds"] = min(rebuilds, key=lambda r: r["seconds"])["step_seconds"]
    return out


def count_events(params: dict[str, Any]) -> dict[str, Any]:
    """The events already in the backfill window of a reused warehouse."""
    from sqlalchemy import func, select

    from agent_monitor.lib.warehouse.tables_raw import raw_events

    start = _hour(params["key"])
    engine = open_warehouse(params["url"])
    with engine.connect() as connection:
        events = connection.execute(
            select(func.count()).where(raw_events.c.ts >= start,
                                       raw_events.c.ts < start + timedelta(hours=int(params["hours"])))
        ).scalar_one()
    engine.dispose()
    return {"events": events}


def _attempt(url: str, first: str, last: str | None, config: str | None) -> dict[str, Any]:
    """build_hours, with a failed run recorded (its last error line) instead of raised."""
    began = time.perf_counter()
    try:
        return build_hours(url, first, last, config)
    except Exception as error:  # noqa: BLE001 - reported in the results
        return {"seconds": time.perf_counter() - began, "success": False,
                "error": f"{type(error).__name__}: {str(error).splitlines()[-1][:300] if str(error) else ''}"}


def backfill(params: dict[str, Any]) -> dict[str, Any]:
    """Build all hourly assets over the window, `chunk_hours` hours per run."""
    start, hours, chunk = _hour(params["key"]), int(params["hours"]), int(params["chunk_hours"])
    runs: list[float] = []
    steps: dict[str, float] = {}  # seconds per step, summed over the runs: where a backfill goes
    failures: list[str] = []
    began = time.perf_counter()
    for offset in range(0, hours, chunk):
        first = start + timedelta(hours=offset)
        last = start + timedelta(hours=min(offset + chunk, hours) - 1)
        built = _attempt(params["url"], first.strftime(KEY_FORMAT), last.strftime(KEY_FORMAT), params.get("config"))
        if not built["success"]:
            failures.append(f"{first:%Y-%m-%d %H:00}–{last:%H:00}: {built.get('error', 'failed')}")
        runs.append(built["seconds"])
        for step, seconds in built.get("step_seconds", {}).items():
            steps[step] = round(steps.get(step, 0.0) + seconds, 3)
    return {"seconds": time.perf_counter() - began, "runs": len(runs), "run_seconds": runs,
            "step_seconds": steps, "failed_runs": failures}


def hour_points(params: dict[str, Any]) -> dict[str, Any]:
    """Rebuild single hours at several points of the history: the time must not grow."""
    start = _hour(params["key"])
    points = []
    for k in params["points"]:
        key = (start + timedelta(hours=k)).strftime(KEY_FORMAT)
        built = _attempt(params["url"], key, None, params.get("config"))
        points.append({"hour_index": k, "key": key, "seconds": built["seconds"], "success": built["success"],
                       **({"error": built["error"]} if "error" in built else {})})
    return {"points": points}


def sensor_ticks(params: dict[str, Any]) -> dict[str, Any]:
    """Time one tick of raw_events_update_sensor (every hour changed) and of the alert sensor."""
    import dagster as dg

    from agent_monitor.defs.ingest.sensors import raw_events_update_sensor
    from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse

    warehouse = Warehouse(url=params["url"])
    last = _hour(params["last_key"])
    # The tick happens five minutes after the scenario's last hour, as a live one would.
    clock = Clock(fixed_now=(last + timedelta(hours=1, minutes=5)).isoformat())
    out: dict[str, Any] = {}
    with dg.instance_for_test() as instance:
        began = time.perf_counter()
        resources = {"warehouse": warehouse, "clock": clock}
        with dg.build_sensor_context(instance=instance, resources=resources) as context:
            result = raw_events_update_sensor(context)
        out["raw_events_update_sensor_seconds"] = time.perf_counter() - began
        out["hours_reported"] = len(result.asset_events)
    out["hour_build_seconds"] = build_hours(params["url"], params["last_key"], None, params.get("config"))["seconds"]
    try:
        from agent_monitor.defs.alerting.sensors import alert_tick
    except ImportError:
        return out
    settings = MonitorSettings(path=params.get("config"))
    began = time.perf_counter()
    report = alert_tick(warehouse.engine, settings.load(), last + timedelta(hours=1, minutes=5))
    out["agent_health_alert_sensor_seconds"] = time.perf_counter() - began
    out["alert_tick_summary"] = report.summary()
    return out


MEASURES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ingest": ingest,
    "ingest_floor": ingest_floor,
    "hour_build": hour_build,
    "hour_floor": hour_floor,
    "peer": versus_peer,
    "rebuild_with_history": rebuild_with_history,
    "load_hours": load_hours,
    "count_events": count_events,
    "backfill": backfill,
    "hour_points": hour_points,
    "sensor_ticks": sensor_ticks,
}
