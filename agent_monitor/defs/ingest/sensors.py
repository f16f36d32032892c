"""Sensors that notice new input: files in the landing folder, and hours whose events changed."""


import hashlib
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Connection, Row, Table, select

from agent_monitor.defs.ingest.jobs import ingest_job
from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.ingest.hours import ended_hours_to_rebuild
from agent_monitor.lib.ingest.store import resolve_stale_ingestions, sources_to_retry
from agent_monitor.lib.warehouse.tables_raw import raw_event_hours, review_hours

LANDING_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json", "*.json.gz")
# A file still being written is left for a later tick.
SETTLE_SECONDS = 5.0
# Ingestions of one unchanged file that may fail before the sensor stops retrying it.
MAX_ATTEMPTS = 3
PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"


def landing_files(folder: Path) -> dict[str, str]:
    """path → "size:mtime_ns" for every candidate file under the landing folder."""
    found: dict[str, str] = {}
    for pattern in LANDING_PATTERNS:
        for path in folder.rglob(pattern):
            if path.is_file():
                stat = path.stat()
                found[str(path.resolve())] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return found


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts an ingestion run for log files in ingest.landing_folder that are new or "
        "changed (once settled for 5 s), or whose ingestion failed (up to 3 attempts)."
    ),
)
def landing_folder_sensor(
    context: dg.SensorEvaluationContext, settings: MonitorSettings, warehouse: Warehouse
) -> dg.SensorResult:
    """Start an ingestion run for files that are new or changed, or whose ingestion failed."""
    folder = Path(settings.load().ingest.landing_folder)
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"landing folder {folder} does not exist")
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = landing_files(folder)
    now = time.time()
    changed = sorted(
        path
        for path, identity in current.items()
        if seen.get(path) != identity and now - int(identity.split(":")[1]) / 1e9 >= SETTLE_SECONDS
    )
    # A run killed mid-file left its ledger row `running`: it is retried like a failed one.
    resolve_stale_ingestions(warehouse.engine)
    with warehouse.engine.connect() as connection:
        failed = sources_to_retry(connection, sorted(set(seen) & set(current) - set(changed)), MAX_ATTEMPTS)
    requests = []
    if changed:
        run_key = hashlib.sha256("\n".join(f"{p}={current[p]}" for p in changed).encode()).hexdigest()[:32]
        requests.append(_ingest_request(run_key, changed))
    if failed:
        # One retry per failed ingestion: the run key names the ledger rows that failed.
        run_key = "retry:" + ",".join(str(failed[p]) for p in sorted(failed))
        requests.append(_ingest_request(run_key, sorted(failed)))
    if not requests:
        return dg.SensorResult(skip_reason="no new, changed or failed files")
    next_seen = dict(seen)
    next_seen.update({path: current[path] for path in changed})
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(next_seen, sort_keys=True))


def _ingest_request(run_key: str, paths: list[str]) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=run_key,
        run_config=dg.RunConfig(ops={"ingest_files": {"config": {"paths": paths}}}),
        tags={"agent_monitor/files": str(len(paths))},
    )


@dg.sensor(
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Reports raw_events partitions whose events changed since the last tick (late data "
        "included) and the hours that have just ended, so every hour built while it was "
        "filling is built once more as a whole hour."
    ),
)
def raw_events_update_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse, clock: Clock
) -> dg.SensorResult:
    """Report raw_events partitions whose events changed, hours that have just ended, and
    review_verdicts partitions whose responses got a review."""
    state = json.loads(context.cursor) if context.cursor else {}
    after: int = state.get("after", 0)
    future: dict[str, int] = state.get("future", {})  # hour key → ingest id, for hours not yet begun
    now = clock.now()
    current_hour = now.replace(minute=0, second=0, microsecond=0)
    closed_through = _parse_hour(state.get("closed_through")) or current_hour
    with warehouse.engine.connect() as connection:
        rows = _changed_hours(connection, raw_event_hours, after)
        reviewed = _changed_hours(connection, review_hours, after)
        ended = ended_hours_to_rebuild(connection, closed_through, current_hour)
    changed = {row.hour.strftime(PARTITION_KEY_FORMAT): int(row.last_ingest_id) for row in rows}
    changed = {**future, **changed}
    events: list[dg.AssetMaterialization] = []
    still_future: dict[str, int] = {}
    for key, ingest_id in sorted(changed.items()):
        hour = datetime.strptime(key, PARTITION_KEY_FORMAT)
        if hour > current_hour:
            still_future[key] = ingest_id
        elif hour >= hourly_partitions.start.replace(tzinfo=None):
            events.append(
                dg.AssetMaterialization(
                    asset_key="raw_events", partition=key, metadata={"ingest_id": ingest_id}
                )
            )
        else:
            context.log.warning(f"events in hour {key} are before the first partition; not built")
    reported = {event.partition for event in events}
    for hour in ended:
        key = hour.strftime(PARTITION_KEY_FORMAT)
        if key not in reported:
            events.append(dg.AssetMaterialization(
                asset_key="raw_events", partition=key, metadata={"hour_ended": True}))
    for row in reviewed:
        if hourly_partitions.start.replace(tzinfo=None) <= row.hour <= current_hour:
            events.append(dg.AssetMaterialization(
                asset_key="review_verdicts", partition=row.hour.strftime(PARTITION_KEY_FORMAT),
                metadata={"ingest_id": int(row.last_ingest_id)}))
    rows = [*rows, *reviewed]
    next_after = max([after, *(int(row.last_ingest_id) for row in rows)])
    cursor = json.dumps(
        {"after": next_after, "future": still_future, "closed_through": current_hour.isoformat()},
        sort_keys=True,
    )
    if not events:
        return dg.SensorResult(skip_reason="no hour changed or ended", cursor=cursor)
    return dg.SensorResult(asset_events=events, cursor=cursor)


def _changed_hours(connection: Connection, table: Table, after: int) -> list[Row[Any]]:
    """Rows of raw_event_hours / review_hours changed by ingestions after `after`."""
    return list(connection.execute(
        select(table.c.hour, table.c.last_ingest_id)
        .where(table.c.last_ingest_id > after)
        .order_by(table.c.last_ingest_id, table.c.hour)
    ).all())


def _parse_hour(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
