"""agent_health_dashboard: the static HTML health page that Slack alerts and the digest link to."""

from datetime import UTC, datetime

import dagster as dg

from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.dashboard import build_dashboard
from agent_monitor.lib.dashboard.render import DEFAULT_THRESHOLDS

# Unpartitioned downstream of hourly assets: each dep maps to all their partitions (Dagster's
# default AllPartitionMapping), so an update of any hour of them refreshes the page, once the
# hourly runs in progress are done.
refresh_after_updates = (
    (dg.AutomationCondition.any_deps_updated() | dg.AutomationCondition.missing())
    .since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("refresh_after_updates")


@dg.asset(
    deps=[
        dg.AssetDep("agent_health", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("agent_metrics_hourly", partition_mapping=dg.AllPartitionMapping()),
        dg.AssetDep("drift_signals_hourly", partition_mapping=dg.AllPartitionMapping()),
    ],
    automation_condition=refresh_after_updates,
    # Not partitioned, so one run builds it anyway; saying so lets a CLI partition-range
    # materialization of every asset (`dagster asset materialize --select '*'
    # --partition-range …`, which requires single-run policies) include the page.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="dashboard",
    kinds={"html"},
)
def agent_health_dashboard(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings
) -> dg.MaterializeResult:
    """Self-contained HTML page: firing alerts, status timeline with alert episodes, incidents,
    each agent's M1–M7 status and trends; agent pages and the trace pages alerts link to."""
    config = settings.load()
    rules = RuleSet.from_config(config)
    thresholds = {name: rules.for_agent(None, name).threshold for name in DEFAULT_THRESHOLDS}
    path = config.dashboard.resolved_output_path()
    now = datetime.now(UTC).replace(tzinfo=None)
    data = build_dashboard(warehouse.engine, path, config.dashboard.window_hours, now, thresholds)
    window = (f"{data.hours[0]:%Y-%m-%d %H:00} – {data.hours[-1]:%Y-%m-%d %H:00} UTC"
              if data.hours else "no data")
    context.log.info(f"dashboard written to {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "url": dg.MetadataValue.url(config.links.dashboard_url),
        "agents": dg.MetadataValue.int(len(data.agents)),
        "window": dg.MetadataValue.text(window),
        "window_hours": dg.MetadataValue.int(len(data.hours)),
        "firing_alerts": dg.MetadataValue.int(len(data.alerts or [])),
        **{f"cells_{s}": dg.MetadataValue.int(n) for s, n in data.status_counts().items()},
        **{f"agents_{s}": dg.MetadataValue.int(n) for s, n in data.overall_counts().items()},
    })
