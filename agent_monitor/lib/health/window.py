"""Every agent_health row of a window of hours, from the built tables the health build reads.

The agent_health asset writes these rows; `agent-monitor backtest` computes them again with a
proposed rule configuration. Both call `health_rows`, so a backtest judges exactly as the
asset would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.health.build import agent_health_rows, rule_windows
from agent_monitor.lib.signal_rollup.metrics_window import read_agent_hours, read_path_hours
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations, drift_signals_hourly

HOUR = timedelta(hours=1)


def lookback_hours(rules: RuleSet) -> int:
    """The longest trailing window (hours) of any metric rule of any agent, plus the hour a
    still-filling hour adds to each window."""
    return max(max(rule_windows(rules, a).values()) for a in (None, *rules.agents)) + 1


def health_rows(
    connection: Connection, start: datetime, end: datetime, rules: RuleSet,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """agent_health rows (with `hour`) for every hour in [start, end), judged by `rules`.

    An agent gets rows for an hour when it has a rollup row in its longest metric window, a
    signal row, or an edge as the upstream agent in that hour. An hour is still filling when
    `as_of` (the build's now) or the moment its rollup was judged at falls before its end:
    it is then judged with the hour before it (`agent_health_rows`).
    """
    lookback = lookback_hours(rules)
    hours = [start + HOUR * i for i in range(int((end - start) / HOUR))]
    metrics = read_agent_hours(connection, start - HOUR * (lookback - 1), end)
    paths = read_path_hours(connection, start - HOUR * (lookback - 1), end)
    signals = _by_hour_agent(connection, drift_signals_hourly, "agent_id", start - HOUR, end)
    edges = _by_hour_agent(connection, cascade_correlations, "upstream_agent_id", start, end)
    rows: list[dict[str, Any]] = []
    for hour in hours:
        filling = filling_as_of(hour, metrics, as_of)
        signal_hour = hour - HOUR if filling is not None else hour
        # The longest window: one hour longer only while the hour is filling.
        first = hour - HOUR * (lookback - (1 if filling is not None else 2))
        agents = {a for a, hs in metrics.items() if any(first <= h <= hour for h in hs)}
        agents |= {a for h, a in signals if h == signal_hour} | {a for h, a in edges if h == hour}
        for agent_id in sorted(agents):
            rows += agent_health_rows(
                hour, agent_id, metrics.get(agent_id, {}),
                (signals.get((signal_hour, agent_id)) or [None])[0],
                edges.get((hour, agent_id), []), rules, paths.get(agent_id), filling=filling,
            )
    return rows


def filling_as_of(
    hour: datetime, metrics: Mapping[str, Mapping[datetime, Mapping[str, Any]]], as_of: datetime | None
) -> datetime | None:
    """The moment `hour` is judged at if that is before its end (it is still filling), else None.

    That is the build's own now, or the earliest moment any agent's rollup of the hour was
    judged at (a backtest over history built while the hour filled)."""
    moments = [row["as_of"] for hours in metrics.values() if (row := hours.get(hour)) and row.get("as_of")]
    if as_of is not None:
        moments.append(as_of)
    earliest = min(moments, default=None)
    return earliest if earliest is not None and earliest < hour + HOUR else None


def _by_hour_agent(
    connection: Connection, table: Table, agent_column: str, start: datetime, end: datetime
) -> dict[tuple[datetime, str], list[dict[str, Any]]]:
    """{(hour, agent): [rows]} of a per-hour table in [start, end)."""
    grouped: dict[tuple[datetime, str], list[dict[str, Any]]] = {}
    query = select(table).where(table.c.hour >= start, table.c.hour < end)
    for row in connection.execute(query).mappings():
        grouped.setdefault((row["hour"], row[agent_column]), []).append(dict(row))
    return grouped
