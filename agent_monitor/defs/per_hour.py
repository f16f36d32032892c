"""Materialization metadata per hour: a single-run backfill reports each hour's own figures."""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import dagster as dg

PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"

Rows = Sequence[Mapping[str, Any]]


def report_each_hour(
    context: dg.AssetExecutionContext,
    rows: Rows,
    metadata_of: Callable[[Rows], Mapping[str, dg.MetadataValue]],
    hour_column: str = "hour",
) -> dg.MaterializeResult:
    """Attach to each partition of the run the metadata of its own rows (an hour without rows
    gets the figures of no rows), so the UI's partition pages and plots show every hour.

    Returned as an empty `MaterializeResult`: metadata on it would go to every partition alike.
    """
    by_hour: dict[datetime, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_hour[row[hour_column]].append(row)
    for key in context.partition_keys:
        hour = datetime.strptime(key, PARTITION_KEY_FORMAT)
        context.add_asset_metadata(dict(metadata_of(by_hour.get(hour, []))), partition_key=key)
    return dg.MaterializeResult()
