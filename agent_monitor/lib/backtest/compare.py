"""What a backtest is compared with: the alerts that actually fired, and the ground truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from agent_monitor.lib.backtest.episodes import Episode
from agent_monitor.lib.generator.ground_truth import IncidentTruth, alert_agents, incident_of
from agent_monitor.lib.warehouse.tables_alerting import alerts


def actual_alerts(
    connection: Connection, rules: Sequence[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """`alerts` rows of the rules whose episode began in [start, end), oldest first."""
    query = (
        select(alerts)
        .where(alerts.c.rule.in_(list(rules)), alerts.c.first_seen >= start, alerts.c.first_seen < end)
        .order_by(alerts.c.first_seen, alerts.c.rule, alerts.c.scope_key, alerts.c.episode)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def _overlap(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def also_actual(episode: Episode, actual: Sequence[dict[str, Any]]) -> bool:
    """An alert of the same rule and scope actually fired while this episode was open."""
    return any(
        a["rule"] == episode.rule and a["scope_key"] == episode.scope_key
        and _overlap(episode.first_seen, episode.resolved_at, a["first_seen"], a["resolved_at"])
        for a in actual
    )


def still_proposed(alert: dict[str, Any], episodes: Sequence[Episode]) -> bool:
    """The proposed configuration also fires on this actual alert's rule and scope then."""
    return any(
        e.rule == alert["rule"] and e.scope_key == alert["scope_key"]
        and _overlap(e.first_seen, e.resolved_at, alert["first_seen"], alert["resolved_at"])
        for e in episodes
    )


@dataclass(frozen=True)
class IncidentPages:
    """One injected incident and the first page a backtested episode sent for it."""

    incident: IncidentTruth
    episodes: tuple[Episode, ...]

    @property
    def first_paged(self) -> Episode | None:
        """The episode that paged first for this incident."""
        paged = [e for e in self.episodes if e.paged_at is not None]
        return min(paged, key=lambda e: (e.paged_at, e.rule, e.scope_key)) if paged else None

    @property
    def first_page(self) -> datetime | None:
        first = self.first_paged
        return None if first is None else first.paged_at

    @property
    def lead_hours(self) -> float | None:
        """Hours from the incident's start to its first page (negative: paged before it began)."""
        page = self.first_page
        if page is None:
            return None
        start = self.incident.start.replace(tzinfo=None)
        return (page - start).total_seconds() / 3600


def match_incidents(
    episodes: Sequence[Episode], incidents: Sequence[IncidentTruth]
) -> tuple[list[IncidentPages], list[Episode]]:
    """(each incident with the episodes it explains, the episodes no incident explains)."""
    matched: dict[int, list[Episode]] = {i: [] for i in range(len(incidents))}
    unexplained: list[Episode] = []
    for episode in episodes:
        incident = incident_of(incidents, alert_agents(episode.agent_id, episode.scope),
                               episode.first_seen)
        if incident is None:
            unexplained.append(episode)
        else:
            matched[incidents.index(incident)].append(episode)
    return [IncidentPages(incidents[i], tuple(found)) for i, found in matched.items()], unexplained
