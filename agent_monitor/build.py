"""Build the monitoring tables for a window of hours, in process, as Dagster runs.

Used by the demo, the benchmark and tests: the same materializations `dagster dev` and a
UI backfill produce, recorded in the given Dagster instance so the UI shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from agent_monitor.defs.ingest.sensors import PARTITION_KEY_FORMAT, raw_events_update_sensor
from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse


def partition_key(hour: datetime) -> str:
    return hour.strftime(PARTITION_KEY_FORMAT)


def report_changed_hours(
    instance: dg.DagsterInstance, warehouse: Warehouse, cursor: str | None = None, clock: Clock | None = None
) -> str | None:
    """Run the raw_events update sensor once and record what it reports; returns its cursor."""
    resources = {"warehouse": warehouse, "clock": clock or Clock()}
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        result = raw_events_update_sensor(context)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    return result.cursor


def _resources(
    defs: dg.Definitions, warehouse: Warehouse | None, settings: MonitorSettings | None,
    clock: Clock | None = None,
) -> dict[str, object]:
    """The definitions' resources, with the warehouse, settings and clock replaced when given."""
    resources = dict(defs.resources or {})
    if warehouse is not None:
        resources["warehouse"] = warehouse
    if settings is not None:
        resources["settings"] = settings
    if clock is not None:
        resources["clock"] = clock
    return resources


def hourly_asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    """The materializable assets on the hourly partitions, in dependency order."""
    graph = defs.resolve_asset_graph()
    return [
        key
        for key in graph.toposorted_asset_keys
        if graph.get(key).is_materializable and graph.get(key).partitions_def == hourly_partitions
    ]


def unpartitioned_asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return [
        key
        for key in graph.toposorted_asset_keys
        if graph.get(key).is_materializable and graph.get(key).partitions_def is None
    ]


# Runs started from the command line log warnings and errors to the console, not every event.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def build_window(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    first_hour: datetime,
    last_hour: datetime,
    *,
    warehouse: Warehouse | None = None,
    settings: MonitorSettings | None = None,
    selection: Sequence[dg.AssetKey] | None = None,
    quiet: bool = False,
    clock: Clock | None = None,
    checks: bool = False,
) -> dg.ExecuteInProcessResult | None:
    """One run that materializes the hourly assets for every hour from first to last (and,
    with `checks`, runs their asset checks in the same run, as a UI backfill does)."""
    keys = list(selection) if selection is not None else hourly_asset_keys(defs)
    if not keys:
        return None
    # The implicit job over the assets, as the daemon launches it: its runs record which
    # assets they selected, so the automation sensor does not take a child built in the same
    # run for one whose input changed after it (a `dg.materialize` run records no selection,
    # and each parent it builds re-requests its children on the next tick).
    job_defs = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks if checks else None,
                              resources=_resources(defs, warehouse, settings, clock))
    return job_defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=keys,
        run_config=QUIET_RUN_CONFIG if quiet else None,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: partition_key(first_hour),
            ASSET_PARTITION_RANGE_END_TAG: partition_key(last_hour),
        },
    )


def build_unpartitioned(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    *,
    warehouse: Warehouse | None = None,
    settings: MonitorSettings | None = None,
    quiet: bool = False,
) -> dg.ExecuteInProcessResult | None:
    """One run of the assets that are not partitioned by hour (e.g. the dashboard)."""
    keys = unpartitioned_asset_keys(defs)
    if not keys:
        return None
    resources = _resources(defs, warehouse, settings)
    return dg.materialize(
        list(defs.assets or []), instance=instance, resources=resources, selection=keys,
        run_config=QUIET_RUN_CONFIG if quiet else None,
    )
