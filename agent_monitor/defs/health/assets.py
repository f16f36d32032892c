"""agent_health: every rule's status per hour × agent (and scope), and the overall status."""

from collections import Counter
from datetime import timedelta

import dagster as dg
from sqlalchemy import select

from agent_monitor.defs.partitions import hourly_table
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.health import STATUS_ORDER, agent_health_rows
from agent_monitor.lib.health.build import rule_windows
from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours, read_path_hours
from agent_monitor.lib.signal_rollup.replace import replace_window
from agent_monitor.lib.signal_rollup.summary import markdown_table, utc_now
from agent_monitor.lib.warehouse.tables_health import agent_health as health_table
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations, drift_signals_hourly

HOUR = timedelta(hours=1)
# M1–M3 are judged over the trailing 24 hours of the rollup (M4–M7 over the hour itself).
METRICS_LOOKBACK_HOURS = 23


@dg.asset(
    deps=[
        dg.AssetDep("agent_metrics_hourly",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-METRICS_LOOKBACK_HOURS)),
        dg.AssetDep("decision_consistency_hourly",
                    partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-METRICS_LOOKBACK_HOURS)),
        dg.AssetDep("drift_signals_hourly"),
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
    lookback = max(max(rule_windows(rules, a).values()) for a in (None, *rules.agents))
    as_of = clock.now()
    hours = [start + HOUR * i for i in range(int((end - start) / HOUR)) if start + HOUR * i < as_of]
    rows = []
    with warehouse.engine.begin() as connection:
        metrics = read_agent_hours(connection, start - HOUR * (lookback - 1), end)
        paths = read_path_hours(connection, start - HOUR * (lookback - 1), end)
        signals = _by_hour_agent(connection, drift_signals_hourly, "agent_id", start, end)
        edges = _by_hour_agent(connection, cascade_correlations, "upstream_agent_id", start, end)
        for hour in hours:
            first = hour - HOUR * (lookback - 1)
            agents = {a for a, hs in metrics.items() if any(first <= h <= hour for h in hs)}
            agents |= {a for h, a in signals if h == hour} | {a for h, a in edges if h == hour}
            for agent_id in sorted(agents):
                rows += agent_health_rows(
                    hour, agent_id, metrics.get(agent_id, {}),
                    (signals.get((hour, agent_id)) or [None])[0],
                    edges.get((hour, agent_id), []), rules, paths.get(agent_id),
                )
        now = utc_now()
        written = replace_window(connection, health_table, "hour", start, end,
                                 [{**row, "as_of": min(as_of, row["hour"] + HOUR), "built_at": now}
                                  for row in rows])
    rule_rows = [r for r in rows if r["rule"] != "overall"]
    overall = Counter(r["status"] for r in rows if r["rule"] == "overall")
    per_rule = Counter(r["status"] for r in rule_rows)
    not_ok = [r for r in rule_rows if r["status"] in ("warning", "critical")]
    return dg.MaterializeResult(metadata={
        "rows": dg.MetadataValue.int(written),
        **{f"agents_{s}": dg.MetadataValue.int(overall[s]) for s in STATUS_ORDER},
        **{f"rules_{s}": dg.MetadataValue.int(per_rule[s]) for s in STATUS_ORDER},
        "non_ok_rules": dg.MetadataValue.md(markdown_table(
            not_ok, ("hour", "agent_id", "rule", "scope", "status", "value", "threshold", "reason"))),
    })


def _by_hour_agent(connection, table, agent_column, start, end):  # type: ignore[no-untyped-def]
    """{(hour, agent): [rows]} of a per-hour table in [start, end)."""
    grouped: dict = {}
    query = select(table).where(table.c.hour >= start, table.c.hour < end)
    for row in connection.execute(query).mappings():
        grouped.setdefault((row["hour"], row[agent_column]), []).append(dict(row))
    return grouped
