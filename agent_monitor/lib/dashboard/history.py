"""What happened over the data's whole range: status per agent × hour, and the alert episodes."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, inspect, select

from agent_monitor.lib.warehouse.tables_alerting import alert_notifications, alerts
from agent_monitor.lib.warehouse.tables_health import agent_health

HOUR = timedelta(hours=1)
# A range longer than this shows only the hours that have data (real logs months apart).
MAX_CONTINUOUS_HOURS = 24 * 14


@dataclass(frozen=True)
class Episode:
    """One episode of an alert key, with what was sent about it and how it ended."""

    rule: str
    scope_key: str
    episode: int
    agent_id: str
    scope: str
    state: str
    severity: str
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    inhibited_by: str | None
    silenced_by: str | None
    value: float | None
    threshold: float | None
    reason: str
    notified: bool
    repeats: int
    resolved_value: float | None = None

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.scope_key}"

    @property
    def label(self) -> str:
        """`m5_workflow_completion` on `billing-agent` (or on the decision path / edge)."""
        where = self.scope_key.split("=", 1)[-1] if self.scope_key else self.agent_id
        return f"{self.rule} on {where}"

    def marks(self) -> tuple[str, ...]:
        """What happened to it: fired, repeated, resolved, inhibited, silenced."""
        found = ["fired"]
        if self.repeats:
            found.append("repeated")
        if self.inhibited_by:
            found.append("inhibited")
        if self.silenced_by:
            found.append("silenced")
        if self.state == "resolved":
            found.append("resolved")
        return tuple(found)

    def duration(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.first_seen

    def resolution(self) -> str:
        """What ended it, in words."""
        if self.state != "resolved":
            return "still firing"
        value = "" if self.resolved_value is None else f" ({self.resolved_value:.3g})"
        limit = "" if self.threshold is None else f" {self.threshold:.3g}"
        return f"the rule stopped breaching: back within the threshold{limit}{value}"


@dataclass(frozen=True)
class History:
    """The status of every agent at every hour shown, and every alert episode."""

    hours: tuple[datetime, ...]
    statuses: dict[str, dict[datetime, str]]
    episodes: tuple[Episode, ...]
    has_alerts: bool

    @property
    def agents(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.statuses) | {e.agent_id for e in self.episodes}))

    def firing(self) -> list[Episode]:
        """Episodes firing now (the `alerts` table's state), worst and newest first."""
        rank = {"critical": 0, "warning": 1}
        return sorted((e for e in self.episodes if e.state == "firing"),
                      key=lambda e: (rank.get(e.severity, 2), -e.first_seen.timestamp()))

    def incidents(self, limit: int = 20) -> list[Episode]:
        """The newest episodes first, firing or resolved."""
        return sorted(self.episodes, key=lambda e: e.first_seen, reverse=True)[:limit]

    def status_counts(self) -> Counter[str]:
        return Counter(s for by_hour in self.statuses.values() for s in by_hour.values())


def data_range(connection: Connection) -> tuple[datetime, datetime] | None:
    """First and last agent_health hour in which some agent had data (overall ≠ no_data)."""
    first, last = connection.execute(
        select(func.min(agent_health.c.hour), func.max(agent_health.c.hour))
        .where(agent_health.c.rule == "overall", agent_health.c.status != "no_data")
    ).one()
    return None if first is None else (first, last)


def shown_hours(connection: Connection, first: datetime, last: datetime) -> tuple[datetime, ...]:
    """Every hour from first to last; only the hours with data when that is too long a range."""
    count = int((last - first) / HOUR) + 1
    if count <= MAX_CONTINUOUS_HOURS:
        return tuple(first + HOUR * i for i in range(count))
    query = (select(agent_health.c.hour).distinct()
             .where(agent_health.c.rule == "overall", agent_health.c.status != "no_data")
             .order_by(agent_health.c.hour))
    return tuple(connection.execute(query).scalars())


def load_history(connection: Connection) -> History:
    """The whole data range of agent_health, and the alert episodes if alerting ran."""
    has_alerts = inspect(connection).has_table("alerts")
    episodes = tuple(alert_episodes(connection)) if has_alerts else ()
    found = data_range(connection)
    if found is None:
        return History((), {}, episodes, has_alerts)
    hours = shown_hours(connection, *found)
    wanted = set(hours)
    statuses: dict[str, dict[datetime, str]] = defaultdict(dict)
    query = select(agent_health.c.agent_id, agent_health.c.hour, agent_health.c.status).where(
        agent_health.c.rule == "overall", agent_health.c.hour >= hours[0],
        agent_health.c.hour <= hours[-1])
    for agent_id, hour, status in connection.execute(query):
        if hour in wanted:
            statuses[agent_id][hour] = status
    return History(hours, dict(statuses), episodes, has_alerts)


def alert_episodes(connection: Connection) -> list[Episode]:
    sent: dict[tuple[str, str, int], Counter[str]] = defaultdict(Counter)
    resolved_value: dict[tuple[str, str, int], float | None] = {}
    if inspect(connection).has_table("alert_notifications"):
        table = alert_notifications
        query = select(table.c.rule, table.c.scope_key, table.c.episode, table.c.kind, table.c.value)
        for rule, scope_key, episode, kind, value in connection.execute(query):
            sent[(rule, scope_key, episode)][kind] += 1
            if kind == "resolve":
                resolved_value[(rule, scope_key, episode)] = value
    out = []
    for row in connection.execute(select(alerts)).mappings():
        key = (row["rule"], row["scope_key"], row["episode"])
        out.append(Episode(
            rule=row["rule"], scope_key=row["scope_key"], episode=row["episode"],
            agent_id=row["agent_id"], scope=row["scope"] or "", state=row["state"],
            severity=row["severity"], first_seen=row["first_seen"], last_seen=row["last_seen"],
            resolved_at=row["resolved_at"], inhibited_by=row["inhibited_by"],
            silenced_by=row["silenced_by"], value=row["value"], threshold=row["threshold"],
            reason=row["reason"] or "", notified=row["notified_at"] is not None,
            repeats=sent[key]["repeat"], resolved_value=resolved_value.get(key),
        ))
    return out


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def as_dict(episode: Episode) -> dict[str, Any]:
    """The episode as plain values (the digest and tests read it)."""
    return {f: getattr(episode, f) for f in episode.__dataclass_fields__}
