"""What the dashboard shows: latest status per agent × rule, and hourly series over a window."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, inspect, select

from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly
from agent_monitor.lib.warehouse.tables_signals import drift_signals_hourly

HOUR = timedelta(hours=1)
METRIC_RULES: tuple[str, ...] = (
    "m1_confidence_divergence",
    "m2_context_coherence",
    "m3_decision_disagreement",
    "m4_hallucination_rate",
    "m5_workflow_completion",
    "m6_recovery_time",
    "m7_escalation_rate",
)
SIGNAL_RULES: tuple[str, ...] = ("p1_confidence_drift", "p2_entropy_shift", "p3_turn_acceleration")
# Worst first, as in agent_health's overall status.
STATUSES: tuple[str, ...] = ("critical", "warning", "ok", "no_data")
# Hourly series per agent: (name, numerator column, denominator column) summed over versions.
RATIO_SERIES: tuple[tuple[str, str, str], ...] = (
    ("mean_confidence", "confidence_sum", "n_confidence"),
    ("m7_escalation_rate", "n_handoff_sessions", "n_sessions"),
    ("m5_completion_rate", "n_runs_completed", "n_runs_ended"),
)
P1_SERIES = "p1_slope_per_hour"
# Shown from the alerts table (tables_alerting.py) when present, in this order.
ALERT_COLUMNS = ("agent_id", "rule", "scope", "severity", "value", "threshold", "first_seen",
                 "last_seen", "inhibited_by", "silenced_by", "reason")


@dataclass(frozen=True)
class RuleCell:
    """One rule's status for an agent at the agent's latest health hour."""

    rule: str
    status: str = "no_data"
    value: float | None = None
    threshold: float | None = None
    scope: str = ""
    reason: str = ""


@dataclass(frozen=True)
class AgentHealth:
    """An agent's latest agent_health hour, overall status and per-rule cells."""

    agent_id: str
    hour: datetime | None = None
    overall: str = "no_data"
    cells: dict[str, RuleCell] = field(default_factory=dict)

    def cell(self, rule: str) -> RuleCell:
        return self.cells.get(rule) or RuleCell(rule=rule)


@dataclass(frozen=True)
class DashboardData:
    """Everything the page draws; series values align with `hours` (None = no data)."""

    hours: tuple[datetime, ...]
    agents: tuple[str, ...]
    health: dict[str, AgentHealth]
    series: dict[str, dict[str, list[float | None]]]
    alerts: list[dict[str, Any]] | None = None  # None: the warehouse has no alerts table

    def status_counts(self) -> dict[str, int]:
        """How many agent × metric (M1–M7) cells have each status."""
        counts = Counter(self.health[a].cell(r).status for a in self.agents for r in METRIC_RULES)
        return {status: counts[status] for status in STATUSES}

    def overall_counts(self) -> dict[str, int]:
        counts = Counter(self.health[a].overall for a in self.agents)
        return {status: counts[status] for status in STATUSES}


def worst(statuses: Sequence[str]) -> str:
    """The worst status present (critical > warning > ok > no_data)."""
    return next((s for s in STATUSES if s in statuses), "no_data")


def latest_hour(connection: Connection) -> datetime | None:
    """The newest hour in agent_health, agent_metrics_hourly or drift_signals_hourly."""
    found = [
        connection.execute(select(func.max(t.c.hour))).scalar_one()
        for t in (agent_health, agent_metrics_hourly, drift_signals_hourly)
    ]
    hours = [h for h in found if h is not None]
    return max(hours) if hours else None


def window_hours(end_hour: datetime, n_hours: int) -> tuple[datetime, ...]:
    """The n hours ending with end_hour, oldest first."""
    return tuple(end_hour - HOUR * (n_hours - 1 - i) for i in range(n_hours))


def load_dashboard_data(
    connection: Connection, n_hours: int, end_hour: datetime | None = None
) -> DashboardData:
    """Read the window of n hours ending at end_hour (default: the newest hour with data)."""
    end_hour = end_hour or latest_hour(connection)
    if end_hour is None:
        return DashboardData(hours=(), agents=(), health={}, series={}, alerts=_alerts(connection))
    hours = window_hours(end_hour, n_hours)
    start, end = hours[0], hours[-1] + HOUR
    series = _ratio_series(connection, hours, start, end)
    series[P1_SERIES] = _p1_series(connection, hours, start, end)
    agents = set(_agents_with_health(connection, start, end))
    for by_agent in series.values():
        agents |= {a for a, values in by_agent.items() if any(v is not None for v in values)}
    ordered = tuple(sorted(agents))
    health = _latest_health(connection, ordered, end)
    for name, by_agent in series.items():
        series[name] = {a: by_agent.get(a, [None] * len(hours)) for a in ordered}
    return DashboardData(hours, ordered, health, series, _alerts(connection))


def _index(hours: Sequence[datetime]) -> dict[datetime, int]:
    return {hour: i for i, hour in enumerate(hours)}


def _ratio_series(
    connection: Connection, hours: Sequence[datetime], start: datetime, end: datetime
) -> dict[str, dict[str, list[float | None]]]:
    table = agent_metrics_hourly
    columns = {c for _, num, den in RATIO_SERIES for c in (num, den)}
    query = (
        select(table.c.agent_id, table.c.hour, *(func.sum(table.c[c]).label(c) for c in columns))
        .where(table.c.hour >= start, table.c.hour < end)
        .group_by(table.c.agent_id, table.c.hour)
    )
    index = _index(hours)
    result: dict[str, dict[str, list[float | None]]] = {name: {} for name, _, _ in RATIO_SERIES}
    for row in connection.execute(query).mappings():
        for name, numerator, denominator in RATIO_SERIES:
            values = result[name].setdefault(row["agent_id"], [None] * len(hours))
            num, den = row[numerator], row[denominator]
            if num is not None and den:
                values[index[row["hour"]]] = float(num) / float(den)
    return result


def _p1_series(
    connection: Connection, hours: Sequence[datetime], start: datetime, end: datetime
) -> dict[str, list[float | None]]:
    table = drift_signals_hourly
    query = select(table.c.agent_id, table.c.hour, table.c.p1_slope_per_hour).where(
        table.c.hour >= start, table.c.hour < end
    )
    index = _index(hours)
    result: dict[str, list[float | None]] = {}
    for agent_id, hour, slope in connection.execute(query):
        values = result.setdefault(agent_id, [None] * len(hours))
        values[index[hour]] = None if slope is None else float(slope)
    return result


def _agents_with_health(connection: Connection, start: datetime, end: datetime) -> list[str]:
    query = select(agent_health.c.agent_id).distinct().where(
        agent_health.c.hour >= start, agent_health.c.hour < end
    )
    return list(connection.execute(query).scalars())


def _latest_health(
    connection: Connection, agents: Sequence[str], end: datetime
) -> dict[str, AgentHealth]:
    """Each agent's rows at its newest agent_health hour before `end` that had data.

    An hour whose overall status is `no_data` (the agent was quiet) does not hide the last
    known status; the page shows the hour each row is from. An agent that never had data
    shows its newest hour.
    """
    table = agent_health

    def newest(*conditions: Any) -> dict[str, datetime]:
        query = (
            select(table.c.agent_id, func.max(table.c.hour))
            .where(table.c.hour < end, *conditions)
            .group_by(table.c.agent_id)
        )
        return {agent: hour for agent, hour in connection.execute(query)}

    hours = newest()
    hours.update(newest(table.c.rule == "overall", table.c.status != "no_data"))
    rows: dict[str, list[dict[str, Any]]] = {}
    for agent_id, hour in hours.items():
        query = select(table).where(table.c.agent_id == agent_id, table.c.hour == hour)
        rows[agent_id] = [dict(row) for row in connection.execute(query).mappings()]
    return {agent: _agent_health(agent, rows.get(agent, [])) for agent in agents}


def _agent_health(agent_id: str, rows: list[dict[str, Any]]) -> AgentHealth:
    if not rows:
        return AgentHealth(agent_id)
    cells: dict[str, RuleCell] = {}
    overall = "no_data"
    # A rule with several scopes (M3 per decision path) shows its worst scope.
    for row in sorted(rows, key=lambda r: (STATUSES.index(_status(r)), r["scope"])):
        if row["rule"] == "overall":
            overall = _status(row)
        elif row["rule"] not in cells:
            cells[row["rule"]] = RuleCell(
                rule=row["rule"], status=_status(row), value=row["value"],
                threshold=row["threshold"], scope=row["scope"] or "", reason=row["reason"] or "",
            )
    return AgentHealth(agent_id, rows[0]["hour"], overall, cells)


def _status(row: dict[str, Any]) -> str:
    return row["status"] if row["status"] in STATUSES else "no_data"


def _alerts(connection: Connection, limit: int = 50) -> list[dict[str, Any]] | None:
    """Firing alerts, newest first, with whichever of the usual columns the table has."""
    if not inspect(connection).has_table("alerts"):
        return None
    table = Table("alerts", MetaData(), autoload_with=connection)
    if "state" not in table.c:
        return None
    columns = [table.c[name] for name in ALERT_COLUMNS if name in table.c]
    order = [table.c[n].desc() for n in ("last_seen", "first_seen") if n in table.c]
    query = select(*columns).where(table.c.state == "firing").order_by(*order).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]
