"""The health digest: a daily schedule (config `digest`) that posts one Slack message."""

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
from sqlalchemy import Engine

from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.defs.alerting.sensors import utc_now
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.alert_store.digest import queue_digest
from agent_monitor.lib.alert_store.tick import deliver_pending
from agent_monitor.lib.config import ConfigError, DigestSettings, MonitorConfig, load_config


def _digest_settings() -> DigestSettings:
    """The schedule's cron and timezone as the config says at load (defaults if unreadable)."""
    try:
        return load_config().digest
    except ConfigError:
        return DigestSettings()


@dataclass(frozen=True)
class DigestOutcome:
    """The digest's outbox key and whether it reached Slack (or why not)."""

    key: str
    delivered: bool
    reason: str | None = None


def post_digest(
    engine: Engine, config: MonitorConfig, now: datetime, *, slack: Slack | None = None
) -> DigestOutcome:
    """Queue the period's digest in the outbox, then deliver it (once per period)."""
    key, _ = queue_digest(engine, config, now)
    channel = config.digest.channel or config.slack.channel
    notifier, unavailable = (slack or Slack.from_config(config, channel=channel)).notifier()
    report = deliver_pending(engine, notifier, now, unavailable=unavailable, kinds=("digest",))
    if key in report.undelivered:
        return DigestOutcome(key, False, report.undelivered[key])
    return DigestOutcome(key, True)


class DigestRunConfig(dg.Config):
    """scheduled_time: ISO time of the schedule tick (empty: now)."""

    scheduled_time: str = ""


@dg.op
def post_alert_digest(
    context: dg.OpExecutionContext, config: DigestRunConfig, warehouse: Warehouse,
    settings: MonitorSettings,
) -> None:
    """Post the health digest to Slack."""
    monitor = settings.load()
    if not monitor.digest.enabled:
        context.log.info("digest.enabled is false: nothing posted")
        return
    now = (datetime.fromisoformat(config.scheduled_time).replace(tzinfo=None)
           if config.scheduled_time else utc_now())
    outcome = post_digest(warehouse.engine, monitor, now)
    if outcome.delivered:
        context.log.info(f"digest {outcome.key} delivered")
    else:
        context.log.warning(f"digest {outcome.key} not delivered: {outcome.reason}")


@dg.job(description="Post the agent health digest to Slack.")
def alert_digest_job() -> None:
    post_alert_digest()


_DIGEST = _digest_settings()


@dg.schedule(
    name="alert_digest_schedule",
    job=alert_digest_job,
    cron_schedule=_DIGEST.cron_schedule,
    execution_timezone=_DIGEST.timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Posts the agent health digest to Slack on digest.cron_schedule (default daily 09:00 "
        "UTC): per-agent health, the period's incidents, what fires now, review backlog."
    ),
)
def alert_digest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One digest run per scheduled time (its run key), for the period ending then."""
    scheduled = context.scheduled_execution_time
    moment = scheduled.astimezone(UTC).replace(tzinfo=None) if scheduled else utc_now()
    stamp = moment.isoformat(timespec="seconds")
    return dg.RunRequest(
        run_key=f"digest-{stamp}",
        run_config=dg.RunConfig(ops={"post_alert_digest": DigestRunConfig(scheduled_time=stamp)}),
    )
