"""M6's reduced outcomes kept per hour, so that an hour's replay reads its look-back cheaply.

The rows sql/metrics/recovery_outcomes.sql keeps for an agent-hour depend on that hour's
outcomes alone (its window functions partition by agent and hour). The build of an hour keeps
them in `m6_hour_outcomes` with the hour's ingestion mark (`raw_event_hours.last_ingest_id`,
read before the hour's events) in `m6_hours_read`. A later build reads an hour of its 24-hour
look-back from there when the hour's mark is still the one it was read at; every other hour
(never kept, changed since by late data, no mark, or not yet over) is read from raw_events, so
the outcomes are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from agent_monitor.lib.metrics.recovery import Outcome
from agent_monitor.lib.rollup.sql import hour_from_epoch, run_query
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, hour_runs, hours
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.locks import lock_table_for_rebuild
from agent_monitor.lib.warehouse.tables_metrics import m6_hour_outcomes, m6_hours_read
from agent_monitor.lib.warehouse.tables_raw import raw_event_hours

CHUNK = 500
# Kept hours older than this before a build's first hour are dropped (two look-backs: a
# build reads one look-back before its window, and windows of a backfill move forward).
KEEP_HOURS_BEFORE = 2 * LOOKBACK


@dataclass
class KeptHours:
    """The window hours a build keeps: their reduced outcome rows and ingestion marks."""

    marks: dict[datetime, int] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)


def ingest_marks(connection: Connection, since: datetime, end: datetime) -> dict[datetime, int]:
    """raw_event_hours.last_ingest_id per hour in [since, end)."""
    statement = select(raw_event_hours.c.hour, raw_event_hours.c.last_ingest_id).where(
        raw_event_hours.c.hour >= since, raw_event_hours.c.hour < end)
    return {hour: int(mark) for hour, mark in connection.execute(statement)}


def kept_hours(connection: Connection, marks: dict[datetime, int], candidates: Iterable[datetime]) -> set[datetime]:
    """The candidate hours whose kept rows were read at their current ingestion mark."""
    wanted = {h for h in candidates if h in marks}
    if not wanted:
        return set()
    statement = select(m6_hours_read.c.hour, m6_hours_read.c.ingest_mark).where(
        m6_hours_read.c.hour >= min(wanted), m6_hours_read.c.hour <= max(wanted))
    return {hour for hour, mark in connection.execute(statement) if hour in wanted and int(mark) == marks[hour]}


def kept_outcomes(connection: Connection, hours_kept: set[datetime]) -> list[tuple[str, Outcome]]:
    """(agent, outcome) of the kept rows of these hours."""
    out: list[tuple[str, Outcome]] = []
    ordered = sorted(hours_kept)
    for i in range(0, len(ordered), CHUNK):
        statement = select(m6_hour_outcomes.c.agent_id, m6_hour_outcomes.c.ts_epoch, m6_hour_outcomes.c.event_id,
                           m6_hour_outcomes.c.success, m6_hour_outcomes.c.kind).where(
            m6_hour_outcomes.c.hour.in_(ordered[i : i + CHUNK]))
        for agent, ts_epoch, event_id, success, kind in connection.execute(statement).all():
            out.append((str(agent), Outcome(float(ts_epoch), str(event_id), bool(success), str(kind))))
    return out


def raw_outcomes(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Reduced outcome rows of [start, end) from raw_events (sql/metrics/recovery_outcomes.sql)."""
    return run_query(connection, "recovery_outcomes", start, end)


def runs(stale: Iterable[datetime], end: datetime) -> list[tuple[datetime, datetime]]:
    """Contiguous [first, last + 1 h) runs of hours, each cut at `end`."""
    return [(a, min(b, end)) for a, b in hour_runs(stale) if a < end]


def keep(kept: KeptHours, rows: list[dict[str, Any]], start: datetime, end: datetime,
         marks: dict[datetime, int]) -> None:
    """Collect the rows of the hours in [start, end) (hours that are over) that have a mark."""
    window = [h for h in hours(start, end) if h + HOUR <= end and h in marks]
    kept.marks.update({h: marks[h] for h in window})
    chosen = set(window)
    for row in rows:
        hour = hour_from_epoch(float(row["ts_epoch"]) - float(row["ts_epoch"]) % 3600)
        if hour in chosen:
            kept.rows.append({"hour": hour, "event_id": str(row["event_id"]), "agent_id": str(row["agent_id"]),
                              "ts_epoch": float(row["ts_epoch"]), "kind": str(row["kind"]),
                              "success": bool(row["success"])})


def save(connection: Connection, kept: KeptHours, built_at: datetime) -> None:
    """Replace the kept rows and marks of the collected hours (inside the build's transaction).

    Hours more than two look-backs before the first of them are dropped: later hours never
    read them, and an older hour rebuilt after that reads them from raw_events (no mark).
    """
    if not kept.marks:
        return
    lock_table_for_rebuild(connection, m6_hour_outcomes.name)
    ordered = sorted(kept.marks)
    horizon = ordered[0] - KEEP_HOURS_BEFORE
    connection.execute(delete(m6_hour_outcomes).where(m6_hour_outcomes.c.hour < horizon))
    connection.execute(delete(m6_hours_read).where(m6_hours_read.c.hour < horizon))
    for i in range(0, len(ordered), CHUNK):
        chunk = ordered[i : i + CHUNK]
        connection.execute(delete(m6_hour_outcomes).where(m6_hour_outcomes.c.hour.in_(chunk)))
        connection.execute(delete(m6_hours_read).where(m6_hours_read.c.hour.in_(chunk)))
    bulk.insert_rows(connection, m6_hour_outcomes, kept.rows)
    bulk.insert_rows(connection, m6_hours_read, [
        {"hour": h, "ingest_mark": kept.marks[h], "built_at": built_at} for h in ordered])
