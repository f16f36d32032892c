"""agent_health: every rule's status per hour × agent (and scope), and the overall status."""

from collections import Counter

import dagster as dg

from agent_monitor.defs.partitions import hourly_table
from agent_monitor.defs.per_hour import Rows, report_each_hour
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.health import STATUS_ORDER
from agent_monitor.lib.health.window import HOUR, health_rows
from agent_monitor.lib.signal_rollup.summary import markdown_table, utc_now
from agent_monitor.lib.warehouse.replace import replace_window
from agent_monitor.lib.warehouse.tables_health import agent_health as health_table

# M1–M3 are judged over the trailing 24 hours of the rollup (M4–M7 over the hour itself),
# and a still-filling hour takes in one hour more.
METRICS_LOOKBACK_HOURS = 24


@dg.asset(
    deps=[
        dg.AssetDep("agent_metrics_hourly",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-METRICS_LOOKBACK_HOURS)),
        dg.AssetDep("decision_consistency_hourly",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-METRICS_LOOKBACK_HOURS)),
        # A still-filling hour is judged on the last complete hour's signals.
        dg.AssetDep("drift_signals_hourly", partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1)),
        dg.AssetDep("cascade_correlations"),
    ],
    **hourly_table("health"),
)
def agent_health(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings, clock: Clock
) -> dg.MaterializeResult:
    """Per hour × agent × rule × scope: ok / warning / critical / no_data with value and reason."""
    start, end = (t.replace(tzinfo=None) for t in context.partition_time_window)
    rules = RuleSet.from_config(settings.load())
    as_of = clock.now()
    # Hours that have not begun yet have nothing to judge.
    begun_end = min(end, as_of.replace(minute=0, second=0, microsecond=0) + HOUR)
    with warehouse.engine.begin() as connection:
        rows = health_rows(connection, start, begun_end, rules, as_of) if begun_end > start else []
        now = utc_now()
        replace_window(connection, health_table, "hour", start, end,
                       [{**row, "as_of": min(as_of, row["hour"] + HOUR), "built_at": now}
                        for row in rows])
    return report_each_hour(context, rows, _health_metadata)


def _health_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    rule_rows = [r for r in rows if r["rule"] != "overall"]
    overall = Counter(r["status"] for r in rows if r["rule"] == "overall")
    per_rule = Counter(r["status"] for r in rule_rows)
    not_ok = [r for r in rule_rows if r["status"] in ("warning", "critical")]
    return {
        "rows": dg.MetadataValue.int(len(rows)),
        **{f"agents_{s}": dg.MetadataValue.int(overall[s]) for s in STATUS_ORDER},
        **{f"rules_{s}": dg.MetadataValue.int(per_rule[s]) for s in STATUS_ORDER},
        "non_ok_rules": dg.MetadataValue.md(markdown_table(
            not_ok, ("hour", "agent_id", "rule", "scope", "status", "value", "threshold", "reason"))),
    }
