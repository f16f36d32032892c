"""Build every hourly asset of the project for an hour or a window, in-process."""

from __future__ import annotations

import time
import warnings
from typing import Any

import dagster as dg

from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import MonitorSettings, Warehouse

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def _definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from agent_monitor.definitions import defs
    return defs


def hourly_asset_keys() -> list[dg.AssetKey]:
    """The materializable assets partitioned by the project's hourly partitions."""
    graph = _definitions().resolve_asset_graph()
    keys = [
        key for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).partitions_def == hourly_partitions
    ]
    return sorted(keys, key=lambda k: k.to_user_string())


def build_hours(
    url: str, first_key: str, last_key: str | None = None, config_path: str | None = None
) -> dict[str, Any]:
    """Materialize all hourly assets for one partition, or a key range in a single run."""
    defs = _definitions()
    keys = hourly_asset_keys()
    assets: list[Any] = [*(defs.assets or []), *(defs.asset_checks or [])]
    resources = {
        **dict(defs.resources or {}),
        "warehouse": Warehouse(url=url),
        "settings": MonitorSettings(path=config_path),
    }
    if last_key is None or last_key == first_key:
        kwargs: dict[str, Any] = {"partition_key": first_key}
    else:
        kwargs = {"tags": {RANGE_START_TAG: first_key, RANGE_END_TAG: last_key}}
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = dg.materialize(assets, resources=resources, selection=keys, **kwargs)
    seconds = time.perf_counter() - started
    steps = {
        event.step_key: round(event.event_specific_data.duration_ms / 1000, 3)  # type: ignore[union-attr]
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS" and event.step_key
    }
    return {
        "seconds": seconds,
        "success": result.success,
        "assets": [k.to_user_string() for k in keys],
        "step_seconds": steps,
    }
