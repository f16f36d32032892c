"""The digest: per-agent health of the period against the previous one, queued in the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from agent_monitor.lib.alert_store import outbox
from agent_monitor.lib.alert_store.health import health_between, latest_health_hour, review_backlog
from agent_monitor.lib.alerting.blocks import SlackMessage
from agent_monitor.lib.alerting.catalogue import CATALOGUE, DIGEST_RULES
from agent_monitor.lib.alerting.digest import AgentHealth, FiringAlert, Incident, digest_message
from agent_monitor.lib.alerting.evaluation import scope_label, scope_of
from agent_monitor.lib.alerting.lifecycle import Notification
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.dashboard.history import Episode, alert_episodes

HOUR = timedelta(hours=1)


def digest_period(connection: Connection, now: datetime, hours: int) -> tuple[datetime, datetime]:
    """[end − hours, end): end is the current hour, or just after the newest health hour when
    the warehouse holds only older data (a replay or the demo)."""
    end = now.replace(minute=0, second=0, microsecond=0)
    latest = latest_health_hour(connection)
    if latest is not None and latest + HOUR < end:
        end = latest + HOUR
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
            rule=episode.rule, scope_label=_label(episode),
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
    # Firing as of the digest's moment: now, the alerts table's firing rows; a digest of a
    # replayed period, the episodes that had fired and not yet resolved by then.
    firing = [
        FiringAlert(rule=e.rule, scope_label=_label(e), severity=e.severity, since=e.first_seen,
                    value=e.value)
        for e in sorted(alert_episodes(connection), key=lambda e: e.first_seen, reverse=True)
        if e.rule in CATALOGUE and e.first_seen <= now and (e.resolved_at is None or e.resolved_at > now)
    ]
    message = digest_message(start, end, agents, firing, review_backlog(connection),
                             config.links.dashboard_url, period_incidents(connection, start, end))
    return message, start, end


def _label(episode: Episode) -> str:
    return scope_label(scope_of({"agent_id": episode.agent_id, "scope": episode.scope, "rule": episode.rule}))


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
