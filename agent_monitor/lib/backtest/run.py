"""`run_backtest`: replay the alert sensor over built history with a proposed configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agent_monitor.lib.backtest.compare import IncidentPages, actual_alerts, match_incidents
from agent_monitor.lib.backtest.episodes import Episode, episodes
from agent_monitor.lib.backtest.proposal import Proposal
from agent_monitor.lib.backtest.replay import HOUR, replay_ticks, tick_time
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.generator.ground_truth import GroundTruth


@dataclass
class BacktestResult:
    """What the proposed configuration would have done, next to what actually happened."""

    start: datetime
    end: datetime
    proposal: Proposal
    setting: str
    hours: int
    episodes: list[Episode]
    actual: list[dict[str, Any]]
    incidents: list[IncidentPages] = field(default_factory=list)
    unexplained: list[Episode] = field(default_factory=list)
    ground_truth: Path | None = None

    @property
    def paged(self) -> list[Episode]:
        return [e for e in self.episodes if e.fate == "paged"]


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def run_backtest(
    engine: Engine, config: MonitorConfig, proposal: Proposal, start: datetime, end: datetime,
    *, ground_truth: Path | None = None,
) -> BacktestResult:
    """Episodes of the proposed configuration over the hours in [start, end) (naive UTC).

    Raises ConfigError when the proposal is not a valid configuration, ValueError for an
    empty window; the ground truth file is read when given.
    """
    start = hour_floor(start)
    end = hour_floor(end) if end == hour_floor(end) else hour_floor(end) + HOUR  # hours touched
    if end <= start:
        raise ValueError(f"the window {start:%Y-%m-%d %H:%M} … {end:%Y-%m-%d %H:%M} is empty")
    proposed = proposal.apply(config)
    truth = GroundTruth.from_json(ground_truth.read_text(encoding="utf-8")) if ground_truth else None
    with engine.connect() as connection:
        ticks = list(replay_ticks(connection, proposed, start, end))
        found = episodes(ticks, proposal.rules)
        actual = actual_alerts(connection, proposal.rules, start, tick_time(end - HOUR) + HOUR)
    result = BacktestResult(start=start, end=end, proposal=proposal,
                            setting=proposal.describe(config), hours=len(ticks),
                            episodes=found, actual=actual, ground_truth=ground_truth)
    if truth is not None:
        result.incidents, result.unexplained = match_incidents(found, truth.incidents)
    return result
