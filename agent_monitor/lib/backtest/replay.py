"""Replay the alert sensor over built history with a configuration, in memory.

Each hour in the window gets one tick, 5 minutes after the hour ended (as the demo replays
it), which judges every agent's latest health rows up to that hour with `decide_tick` — the
sensor's own decisions — and carries the alert episodes forward in memory. Nothing is written
and nothing is sent. The health rows are computed from the built tables with the proposed
rules by `health_rows`, the agent_health asset's own function.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.alert_store.health import upstream_map
from agent_monitor.lib.alert_store.silences import list_silences
from agent_monitor.lib.alerting.evaluation import Decision, decide_tick
from agent_monitor.lib.alerting.lifecycle import AlertRow
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.health.window import health_rows

HOUR = timedelta(hours=1)
TICK_DELAY = timedelta(minutes=5)


def tick_time(hour: datetime) -> datetime:
    """When the replayed tick that judges `hour` runs: 5 minutes after the hour ends."""
    return hour + HOUR + TICK_DELAY


@dataclass(frozen=True)
class Tick:
    """One replayed tick: the newest health hour it judged, when it ran, what it decided."""

    hour: datetime
    now: datetime
    decisions: list[Decision]


def replay_ticks(
    connection: Connection, config: MonitorConfig, start: datetime, end: datetime
) -> Iterator[Tick]:
    """One tick per hour in [start, end) that has health rows, oldest first."""
    rules = RuleSet.from_config(config)
    repeat = timedelta(hours=config.slack.repeat_interval_hours)
    silences = [record.silence for record in list_silences(connection)]
    by_hour: dict[datetime, dict[str, list[Mapping[str, Any]]]] = {}
    for row in health_rows(connection, start, end, rules):
        if row["rule"] != "overall":
            by_hour.setdefault(row["hour"], {}).setdefault(row["agent_id"], []).append(row)
    latest: dict[str, list[Mapping[str, Any]]] = {}
    previous: dict[tuple[str, str], AlertRow] = {}
    for hour in sorted(by_hour):
        latest.update(by_hour[hour])  # as the sensor reads it: each agent's newest hour
        now = tick_time(hour)
        health: Sequence[Mapping[str, Any]] = [row for rows in latest.values() for row in rows]
        decisions = decide_tick(health, previous, rules, now, silences=silences,
                                topology=lambda until: upstream_map(connection, until),
                                repeat_interval=repeat)
        for decision in decisions:
            row = decision.change.row
            if row is not None:
                previous[(row.rule, row.scope_key)] = row
        yield Tick(hour, now, decisions)
