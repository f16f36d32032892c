"""The review queue asset: sampled primary responses with π, reasons and review status."""

from datetime import datetime

import dagster as dg

from agent_monitor.defs.ingest.assets import raw_events, review_verdicts
from agent_monitor.defs.partitions import hourly_partitions, hourly_table
from agent_monitor.defs.per_hour import Rows, report_each_hour
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.reviews.build import rebuild_queue
from agent_monitor.lib.reviews.summary import agent_markdown, reason_counts, status_counts

PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"


@dg.asset(
    deps=[raw_events, review_verdicts],
    **hourly_table("reviews"),
)
def review_queue(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings, clock: Clock
) -> dg.MaterializeResult:
    """Primary responses sampled for human review (SPEC §5), rebuilt a whole UTC day at a time."""
    start, end = context.partition_time_window
    now = clock.now()
    config = settings.load()
    result = rebuild_queue(
        warehouse.engine,
        start.replace(tzinfo=None),
        end.replace(tzinfo=None),
        config.review,
        now=now,
        critical_paths=RuleSet.from_config(config).critical_paths,
    )
    _report_sibling_hours(context, result.changed_hours, start.replace(tzinfo=None), end.replace(tzinfo=None))
    # The rebuilt days' figures are the run's; the plottable counts are each hour's own.
    day_statuses = status_counts(result.rows)
    context.add_asset_metadata({
        "days_rebuilt": dg.MetadataValue.text(", ".join(d.date().isoformat() for d in result.days)),
        **{f"days_{s}": dg.MetadataValue.int(n) for s, n in day_statuses.items()},
        "days_sampled": dg.MetadataValue.int(len(result.rows)),
        "by_reason": dg.MetadataValue.json(reason_counts(result.rows)),
        "per_agent": dg.MetadataValue.md(agent_markdown(result.rows)),
    })
    return report_each_hour(context, result.rows, _queue_metadata)


def _queue_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    statuses = status_counts(rows)
    return {
        "sampled": dg.MetadataValue.int(len(rows)),
        **{s: dg.MetadataValue.int(n) for s, n in statuses.items()},
    }


def _report_sibling_hours(
    context: dg.AssetExecutionContext, hours: set[datetime], start: datetime, end: datetime
) -> None:
    """Hours outside the window whose reviewed rows changed are reported updated too.

    Rebuilding a day can change the inclusion probability of reviewed items in the day's
    other hours (the daily top-up threshold t); reporting those partitions lets whatever
    reads them (M1) rebuild, through the same automation rule as late data.
    """
    for hour in sorted(h for h in hours if not start <= h < end):
        key = hour.strftime(PARTITION_KEY_FORMAT)
        if not hourly_partitions.has_partition_key(key):
            continue
        context.log_event(
            dg.AssetMaterialization(
                asset_key=context.asset_key,
                partition=key,
                description="rows changed by a rebuild of another hour of the same day",
            )
        )
