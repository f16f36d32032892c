"""failure_chains (C1) and cascade_correlations (C2) from the workflow_step events."""

from datetime import timedelta

import dagster as dg

from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.partitions import hourly_table
from agent_monitor.defs.per_hour import Rows, report_each_hour
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.signal_rollup import steps
from agent_monitor.lib.signal_rollup.cascade_rows import (
    BUCKET_SECONDS,
    chain_rows,
    correlation_rows,
    edge_params,
    epoch,
    step_edges,
)
from agent_monitor.lib.signal_rollup.summary import markdown_table, utc_now
from agent_monitor.lib.warehouse.replace import replace_window
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations as correlations_table
from agent_monitor.lib.warehouse.tables_signals import failure_chains as chains_table

HOUR = timedelta(hours=1)
# A root's upstream steps may have ended in the previous hour (a late failure there makes it
# no longer a root), and its downstream steps and the run's terminal status in the next two.
CHAIN_HOURS_BEFORE = 1
CHAIN_HOURS_AFTER = 2
# C2 reads the trailing 24 hours ending with the partition's hour.
CORRELATION_LOOKBACK_HOURS = 23


@dg.asset(
    deps=[dg.AssetDep(raw_events, partition_mapping=dg.TimeWindowPartitionMapping(
        start_offset=-CHAIN_HOURS_BEFORE, end_offset=CHAIN_HOURS_AFTER,
        allow_nonexistent_upstream_partitions=True))],
    **hourly_table("cascades"),
)
def failure_chains(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """C1: one row per root failure, in the hour of the root step, with its blast radius."""
    start, end = (t.replace(tzinfo=None) for t in context.partition_time_window)
    with warehouse.engine.begin() as connection:
        run_ids = steps.failed_run_ids(connection, start, end)
        rows = chain_rows(steps.run_steps(connection, run_ids),
                          steps.run_terminal_status(connection, run_ids), start, end)
        now = utc_now()
        replace_window(connection, chains_table, "root_hour", start, end,
                       [{**row, "built_at": now} for row in rows])
    return report_each_hour(context, rows, _chain_metadata, hour_column="root_hour")


def _chain_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    widest = sorted(rows, key=lambda r: -r["blast_radius"])[:10]
    return {
        "root_failures": dg.MetadataValue.int(len(rows)),
        "runs_with_failures": dg.MetadataValue.int(len({r["workflow_run_id"] for r in rows})),
        "max_blast_radius": dg.MetadataValue.int(max((r["blast_radius"] for r in rows), default=0)),
        "widest": dg.MetadataValue.md(markdown_table(
            widest, ("workflow_run_id", "root_step_id", "root_agent_id", "blast_radius",
                     "affected_agents", "run_status"))),
    }


@dg.asset(
    deps=[dg.AssetDep(raw_events, partition_mapping=dg.TimeWindowPartitionMapping(
        start_offset=-CORRELATION_LOOKBACK_HOURS))],
    **hourly_table("cascades"),
)
def cascade_correlations(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings
) -> dg.MaterializeResult:
    """C2: per hour × observed edge, Pearson r of 15-minute failure rates over the trailing 24 h."""
    start, end = (t.replace(tzinfo=None) for t in context.partition_time_window)
    rules = RuleSet.from_config(settings.load())
    lookback = max(edge_params(rules, a).window_hours for a in (None, *rules.agents))  # type: ignore[arg-type]
    read_start = start - HOUR * (lookback - 1)
    hours = [start + HOUR * i for i in range(int((end - start) / HOUR))]
    with warehouse.engine.begin() as connection:
        buckets = steps.step_bucket_counts(connection, epoch(read_start), epoch(end), BUCKET_SECONDS)
        links = steps.step_links(connection, read_start, end)
        wanted = {(link["workflow_run_id"], dep) for link in links for dep in link["depends_on"] or ()}
        edges = step_edges(links, steps.upstream_steps(connection, wanted))
        rows = [row for hour in hours for row in correlation_rows(hour, edges, buckets, rules)]
        now = utc_now()
        replace_window(connection, correlations_table, "hour", start, end,
                       [{**row, "built_at": now} for row in rows])
    return report_each_hour(context, rows, _correlation_metadata)


def _correlation_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    risky = [r for r in rows if r["cascade_risk"]]
    return {
        "rows": dg.MetadataValue.int(len(rows)),
        "edges": dg.MetadataValue.int(len({(r["upstream_agent_id"], r["downstream_agent_id"]) for r in rows})),
        "cascade_risk_rows": dg.MetadataValue.int(len(risky)),
        "cascade_risk": dg.MetadataValue.md(markdown_table(
            risky, ("hour", "upstream_agent_id", "downstream_agent_id", "n_buckets", "r", "p_value"))),
    }
