"""M5 per hour × agent: runs that ended in the hour, from the runs' own events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.completion import (
    STALL_AFTER_S,
    completion_by_agent,
    in_window,
    workflow_outcomes,
)
from agent_monitor.lib.metrics.rows import order_key
from agent_monitor.lib.rollup.loads import run_events
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch, hours


def run_prefix(
    rows: Sequence[dict[str, Any]], stall_after_s: float = STALL_AFTER_S
) -> list[dict[str, Any]]:
    """A run's events up to its first silence of 30 min: after that it has stalled.

    Later events of the same run do not revive it, so a run ends exactly once and each hour's
    figure depends only on events before the hour's end.
    """
    ordered = sorted(rows, key=order_key)
    for i in range(1, len(ordered)):
        if float(ordered[i]["ts_epoch"]) - float(ordered[i - 1]["ts_epoch"]) >= stall_after_s:
            return ordered[:i]
    return ordered


def m5_by_hour(
    connection: Connection, start: datetime, end: datetime
) -> dict[tuple[datetime, str], tuple[int, int]]:
    """(runs ended, runs completed) per hour × agent that ran a step in the run."""
    stall = timedelta(seconds=STALL_AFTER_S)
    rows = run_events(connection, start - stall, start - LOOKBACK, end)
    by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_run[str(row["workflow_run_id"])].append(row)
    out: dict[tuple[datetime, str], tuple[int, int]] = {}
    for hour in hours(start, end):
        lo, h_lo, hi = epoch(hour - LOOKBACK), epoch(hour), epoch(hour + HOUR)
        prefixes: list[dict[str, Any]] = []
        for events in by_run.values():
            visible = [r for r in events if lo <= float(r["ts_epoch"]) < hi]
            prefixes += run_prefix(visible)
        runs = [r for r in prefixes if r["event_type"] == "workflow_run"]
        steps = [r for r in prefixes if r["event_type"] == "workflow_step"]
        ended = in_window(workflow_outcomes(runs, steps, now_epoch=hi), h_lo, hi)
        for agent, count in completion_by_agent(ended).items():
            out[(hour, agent)] = (count.n_runs_ended, count.n_runs_completed)
    return out
