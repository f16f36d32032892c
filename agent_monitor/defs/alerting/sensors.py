"""The alert sensor: evaluate each agent's latest agent_health hour, record, then deliver."""

from datetime import UTC, datetime

import dagster as dg
from sqlalchemy import Engine

from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.alert_store.outbox import record_delivery
from agent_monitor.lib.alert_store.tick import Recorder, TickReport, run_alert_tick
from agent_monitor.lib.config import MonitorConfig


def utc_now() -> datetime:
    """The current time as naive UTC (the warehouse convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def alert_tick(
    engine: Engine, config: MonitorConfig, now: datetime, *, slack: Slack | None = None,
    record: Recorder = record_delivery, as_of: datetime | None = None,
) -> TickReport:
    """One tick at `now`: transitions written first, then the outbox delivered to Slack."""
    notifier, unavailable = (slack or Slack.from_config(config)).notifier()
    return run_alert_tick(engine, config, now, notifier, unavailable=unavailable, record=record,
                          as_of=as_of)


def evaluate_alert_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse, settings: MonitorSettings,
    now: datetime,
) -> dg.SkipReason:
    """The sensor body with the evaluation time given (tests control time through `now`)."""
    report = alert_tick(warehouse.engine, settings.load(), now)
    summary = report.summary()
    context.log.info(summary)
    for key, reason in report.delivery.undelivered.items():
        context.log.warning(f"{key} not delivered: {reason}")
    return dg.SkipReason(summary)


@dg.sensor(
    name="agent_health_alert_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Alerts on each agent's latest agent_health hour (a backfill of past hours never pages): "
        "fire, repeat every 4 h, resolve, inhibition, silences; written to `alerts` and the "
        "outbox before Slack delivery, retried each tick, never sent twice."
    ),
)
def agent_health_alert_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse, settings: MonitorSettings, clock: Clock
) -> dg.SkipReason:
    """Run one alert tick now."""
    return evaluate_alert_sensor(context, warehouse, settings, clock.now())
