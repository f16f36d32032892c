"""M5 per hour × agent: runs that ended in the hour, from every event of the runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from agent_monitor.lib.metrics.completion import (
    STALL_AFTER_S,
    completion_by_agent,
    in_window,
    workflow_outcomes,
)
from agent_monitor.lib.rollup.loads import run_events
from agent_monitor.lib.rollup.window import HOUR, epoch, hours


def m5_by_hour(
    connection: Connection, start: datetime, end: datetime, as_of: datetime
) -> dict[tuple[datetime, str], tuple[int, int]]:
    """(runs ended, runs completed) per hour × agent that ran a step in the run, as of `as_of`.

    A run ends in [start, end) either at a terminal status there or by stalling there, i.e.
    with its last activity in [start − 30 min, end − 30 min); both kinds have an event in
    [start − 30 min, end). Each such run is read whole, up to `as_of`.
    """
    stall = timedelta(seconds=STALL_AFTER_S)
    rows = run_events(connection, start - stall, end, as_of)
    outcomes = workflow_outcomes(rows, epoch(as_of))
    out: dict[tuple[datetime, str], tuple[int, int]] = {}
    for hour in hours(start, end):
        ended = in_window(outcomes, epoch(hour), epoch(hour + HOUR))
        for agent, count in completion_by_agent(ended).items():
            out[(hour, agent)] = (count.n_runs_ended, count.n_runs_completed)
    return out
