"""Every agent_health row of a window of hours, from the built tables the health build reads.

The agent_health asset writes these rows; `agent-monitor backtest` computes them again with a
proposed rule configuration. Both call `health_rows`, so a backtest judges exactly as the
asset would have.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.health.build import agent_health_rows, rule_windows
from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours, read_path_hours
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations, drift_signals_hourly

HOUR = timedelta(hours=1)


def lookback_hours(rules: RuleSet) -> int:
    """The longest trailing window (hours) of any metric rule of any agent."""
    return max(max(rule_windows(rules, a).values()) for a in (None, *rules.agents))


def health_rows(
    connection: Connection, start: datetime, end: datetime, rules: RuleSet
) -> list[dict[str, Any]]:
    """agent_health rows (with `hour`) for every hour in [start, end), judged by `rules`.

    An agent gets rows for an hour when it has a rollup row in its longest metric window, a
    signal row, or an edge as the upstream agent in that hour.
    """
    lookback = lookback_hours(rules)
    hours = [start + HOUR * i for i in range(int((end - start) / HOUR))]
    metrics = read_agent_hours(connection, start - HOUR * (lookback - 1), end)
    paths = read_path_hours(connection, start - HOUR * (lookback - 1), end)
    signals = _by_hour_agent(connection, drift_signals_hourly, "agent_id", start, end)
    edges = _by_hour_agent(connection, cascade_correlations, "upstream_agent_id", start, end)
    rows: list[dict[str, Any]] = []
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
    return rows


def _by_hour_agent(
    connection: Connection, table: Table, agent_column: str, start: datetime, end: datetime
) -> dict[tuple[datetime, str], list[dict[str, Any]]]:
    """{(hour, agent): [rows]} of a per-hour table in [start, end)."""
    grouped: dict[tuple[datetime, str], list[dict[str, Any]]] = {}
    query = select(table).where(table.c.hour >= start, table.c.hour < end)
    for row in connection.execute(query).mappings():
        grouped.setdefault((row["hour"], row[agent_column]), []).append(dict(row))
    return grouped
