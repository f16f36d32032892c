"""The digest: per-agent health of the period against the previous one, queued in the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from agent_monitor.lib.alert_store import outbox
from agent_monitor.lib.alert_store.alerts import firing_alerts
from agent_monitor.lib.alert_store.health import health_between, latest_health_hour, review_backlog
from agent_monitor.lib.alerting.blocks import SlackMessage
from agent_monitor.lib.alerting.catalogue import CATALOGUE, DIGEST_RULES
from agent_monitor.lib.alerting.digest import AgentHealth, FiringAlert, Incident, digest_message
from agent_monitor.lib.alerting.evaluation import scope_label, scope_of
from agent_monitor.lib.alerting.lifecycle import Notification
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.dashboard.history import alert_episodes, data_range

HOUR = timedelta(hours=1)


def digest_period(connection: Connection, now: datetime, hours: int) -> tuple[datetime, datetime]:
    """[end − hours, end): end is the current hour, or just after the newest health hour when
    the warehouse holds only older data (a replay or the demo). When no agent had data in the
    whole period (the hours after a replayed or demo period were built, but empty), the period
    ends just after the last hour with data instead, so the digest tells that period's story.
    Hours without data inside a period with data still count as no data."""
    end = now.replace(minute=0, second=0, microsecond=0)
    latest = latest_health_hour(connection)
    if latest is not None and latest + HOUR < end:
        end = latest + HOUR
    found = data_range(connection)
    if found is not None and found[1] < end - HOUR * hours:
        end = found[1] + HOUR
    return end - HOUR * hours, end


def period_incidents(connection: Connection, start: datetime, end: datetime) -> list[Incident]:
    """Alert episodes that fired in [start, end), or fired before and resolved in it."""
    out = []
    for episode in alert_episodes(connection):
        fired_in = start <= episode.first_seen < end
        resolved_in = episode.resolved_at is not None and start <= episode.resolved_at < end
        if not (fired_in or resolved_in) or episode.rule not in CATALOGUE:
            continue
        resolved = episode.resolved_at if resolved_in else None
        out.append(Incident(
            rule=episode.rule,
            scope_label=scope_label(scope_of({"agent_id": episode.agent_id, "scope": episode.scope,
                                              "rule": episode.rule})),
            severity=episode.severity, fired=episode.first_seen, resolved=resolved,
            inhibited_by=episode.inhibited_by,
        ))
    return out


def build_digest(
    connection: Connection, config: MonitorConfig, now: datetime
) -> tuple[SlackMessage, datetime, datetime]:
    """The digest message for the period ending at `now` (see digest_period)."""
    hours = config.digest.period_hours
    start, end = digest_period(connection, now, hours)
    current = health_between(connection, start, end)
    earlier = health_between(connection, start - HOUR * hours, start)
    agents = []
    for agent_id in sorted(current):
        rows = current[agent_id]
        before = earlier.get(agent_id, {})
        agents.append(AgentHealth(
            agent_id=agent_id,
            statuses={r: rows[r]["status"] for r in DIGEST_RULES if r in rows},
            values={r: rows[r]["value"] for r in DIGEST_RULES if r in rows},
            previous_values={r: before[r]["value"] for r in DIGEST_RULES if r in before},
        ))
    firing = [
        FiringAlert(rule=a["rule"], scope_label=scope_label(scope_of(a)), severity=a["severity"],
                    since=a["first_seen"], value=a["value"])
        for a in firing_alerts(connection) if a["rule"] in CATALOGUE
    ]
    message = digest_message(start, end, agents, firing, review_backlog(connection),
                             config.links.dashboard_url, period_incidents(connection, start, end))
    return message, start, end


def queue_digest(engine: Engine, config: MonitorConfig, now: datetime) -> tuple[str, SlackMessage]:
    """Write the period's digest to the outbox (once per period end); returns its key."""
    with engine.begin() as connection:
        message, _, end = build_digest(connection, config, now)
        key = f"digest:{end:%Y-%m-%dT%H:%MZ}"
        note = Notification(
            idempotency_key=key, rule="digest", scope_key="all", agent_id="", episode=0,
            kind="fire", sequence=0, created_at=now, severity="info", value=None,
            threshold=0.0, reason=message.text,
        )
        outbox.queue(connection, note, message, kind="digest")
    return key, message
