"""Read workflow steps and runs from raw_events for the failure-chain and cascade assets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, cast, func, select

from agent_monitor.lib.cascades import BucketCount
from agent_monitor.lib.rollup.window import from_epoch
from agent_monitor.lib.warehouse.tables_raw import raw_events

FAILED = ("failed", "timed_out")
RAN = ("succeeded", "failed", "timed_out")
TERMINAL_RUN_STATUSES = ("completed", "failed", "abandoned")
_CHUNK = 500


def failed_run_ids(connection: Connection, start: datetime, end: datetime) -> list[str]:
    """Runs with a failed or timed-out step whose ts is in [start, end)."""
    t = raw_events.c
    query = (
        select(t.workflow_run_id).distinct()
        .where(t.event_type == "workflow_step", t.status.in_(FAILED), t.ts >= start, t.ts < end)
        .order_by(t.workflow_run_id)
    )
    return [row[0] for row in connection.execute(query) if row[0] is not None]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def run_steps(connection: Connection, run_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every workflow_step of the given runs, in any hour, in (ts, event_id) order."""
    t = raw_events.c
    steps: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(run_ids):
        query = (
            select(t.workflow_run_id, t.workflow_id, t.step_id, t.agent_id, t.status,
                   t.depends_on, t.ts)
            .where(t.event_type == "workflow_step", t.workflow_run_id.in_(chunk))
            .order_by(t.ts, t.event_id)
        )
        for row in connection.execute(query).mappings():
            steps.setdefault(row["workflow_run_id"], []).append(dict(row))
    return steps


def run_terminal_status(connection: Connection, run_ids: Sequence[str]) -> dict[str, str]:
    """The first terminal workflow_run status (by ts, then event id) of each run that has one.

    A run ends once, at its first terminal status: the same reading as M5.
    """
    t = raw_events.c
    status: dict[str, str] = {}
    for chunk in _chunks(run_ids):
        query = (
            select(t.workflow_run_id, t.status)
            .where(t.event_type == "workflow_run", t.workflow_run_id.in_(chunk),
                   t.status.in_(TERMINAL_RUN_STATUSES))
            .order_by(t.ts, t.event_id)
        )
        for run_id, run_status in connection.execute(query):
            status.setdefault(run_id, run_status)
    return status


def bucket_index(connection: Connection, bucket_seconds: int) -> Any:
    """⌊ts_epoch / bucket_seconds⌋ in SQL: CAST truncates on SQLite but rounds on PostgreSQL."""
    if connection.dialect.name == "sqlite":
        # ts_epoch ≥ 0, so truncation toward zero is the floor.
        return cast(raw_events.c.ts_epoch / bucket_seconds, Integer)
    return cast(func.floor(raw_events.c.ts_epoch / bucket_seconds), Integer)


def step_bucket_counts(
    connection: Connection, start_epoch: float, end_epoch: float, bucket_seconds: int = 900
) -> dict[str, dict[int, BucketCount]]:
    """{agent: {bucket start epoch: (steps that ran, failed)}} for steps in [start, end)."""
    t = raw_events.c
    index = bucket_index(connection, bucket_seconds).label("bucket")
    # The same bounds on `ts` (a second wider each side): what lets the (ts, event_type) index
    # read only the window; the exact bounds stay on ts_epoch.
    since, until = from_epoch(start_epoch) - timedelta(seconds=1), from_epoch(end_epoch) + timedelta(seconds=1)
    query = (
        select(
            t.agent_id, index, func.count().label("n"),
            func.sum(cast(t.status.in_(FAILED), Integer)).label("failed"),
        )
        .where(t.event_type == "workflow_step", t.status.in_(RAN),
               t.ts >= since, t.ts < until, t.ts_epoch >= start_epoch, t.ts_epoch < end_epoch)
        .group_by(t.agent_id, index)
    )
    counts: dict[str, dict[int, BucketCount]] = {}
    for agent, bucket, n, failed in connection.execute(query):
        counts.setdefault(agent, {})[int(bucket) * bucket_seconds] = BucketCount(
            int(n), int(failed or 0))
    return counts


def step_links(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """(ts_epoch, run, step, agent, depends_on) of the steps in [start, end) that depend on others."""
    t = raw_events.c
    query = (
        select(t.ts_epoch, t.workflow_run_id, t.step_id, t.agent_id, t.depends_on)
        .where(t.event_type == "workflow_step", t.ts >= start, t.ts < end)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def upstream_steps(connection: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    """{(run, step): agents} for the named steps, in any hour."""
    t = raw_events.c
    runs = sorted({run for run, _ in keys})
    agents: dict[tuple[str, str], set[str]] = {}
    for chunk in _chunks(runs):
        query = select(t.workflow_run_id, t.step_id, t.agent_id).where(
            t.event_type == "workflow_step", t.workflow_run_id.in_(chunk))
        for run, step, agent in connection.execute(query):
            if (run, step) in keys and agent is not None:
                agents.setdefault((run, step), set()).add(agent)
    return agents
