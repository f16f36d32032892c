"""drift_signals_hourly: P1 confidence drift, P2 entropy shift (or proxies), P3 turn acceleration."""

from datetime import timedelta

import dagster as dg

from agent_monitor.defs.partitions import hourly_table
from agent_monitor.defs.per_hour import Rows, report_each_hour
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.signal_rollup.drift_rows import INPUT_COLUMNS, drift_row, history_hours, signal_params
from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours
from agent_monitor.lib.signal_rollup.summary import breach_markdown, utc_now
from agent_monitor.lib.warehouse.replace import replace_window
from agent_monitor.lib.warehouse.tables_signals import drift_signals_hourly as drift_table

HOUR = timedelta(hours=1)

# A metrics update at hour h rebuilds h … h+5: the P1 window. The P2/P3 baselines read the
# preceding 168 hours too, but declaring them would rebuild 169 partitions per late hour for a
# 1/168 change of a baseline; a backfill refreshes them (docs/signals.md).
P1_LOOKBACK_HOURS = 5


@dg.asset(
    deps=[dg.AssetDep("agent_metrics_hourly",
                      partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-P1_LOOKBACK_HOURS))],
    **hourly_table("signals"),
)
def drift_signals_hourly(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings
) -> dg.MaterializeResult:
    """Per hour × agent: P1 drift slope and time to breach, P2 entropy/proxy spikes, P3 turn rate."""
    start, end = (t.replace(tzinfo=None) for t in context.partition_time_window)
    rules = RuleSet.from_config(settings.load())
    history = history_hours(rules)
    rows = []
    with warehouse.engine.begin() as connection:
        agents = read_agent_hours(connection, start - HOUR * history, end, only=INPUT_COLUMNS)
        for agent_id, hours in sorted(agents.items()):
            params = signal_params(rules, agent_id)
            for hour in sorted(h for h in hours if start <= h < end):
                rows.append(drift_row(agent_id, hour, hours, params))
        now = utc_now()
        replace_window(connection, drift_table, "hour", start, end,
                       [{**row, "built_at": now} for row in rows])
    return report_each_hour(context, rows, _drift_metadata)


FLAGS = ("p1_breach", "p2_breach", "p3_breach")


def _drift_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    return {
        "rows": dg.MetadataValue.int(len(rows)),
        "agents": dg.MetadataValue.int(len({r["agent_id"] for r in rows})),
        **{flag: dg.MetadataValue.int(sum(1 for r in rows if r[flag])) for flag in FLAGS},
        "breaches": dg.MetadataValue.md(breach_markdown(rows, FLAGS)),
    }
