"""Rebuild a window of each hourly metric table: read, compute, replace in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select

from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.rollup import recovery_state, session_insert
from agent_monitor.lib.rollup.coherence import profiled_rows
from agent_monitor.lib.rollup.consistency import decision_rows
from agent_monitor.lib.rollup.hourly import agent_metrics_rows
from agent_monitor.lib.rollup.window import LOOKBACK, naive_utc
from agent_monitor.lib.rollup.write import replace_window
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.tables_metrics import (
    agent_metrics_hourly,
    decision_consistency_hourly,
    session_coherence,
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def build_agent_metrics(
    engine: Engine, start: datetime, end: datetime, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """Rewrite agent_metrics_hourly for the hours in [start, end) as of `as_of` (default: now).

    Returns the rows written.
    """
    start, end = naive_utc(start), naive_utc(end)
    as_of = naive_utc(as_of) if as_of is not None else _now()
    kept = recovery_state.KeptHours()
    with engine.begin() as connection:
        rows = agent_metrics_rows(connection, start, end, as_of, kept)
        built_at = _now()
        replace_window(connection, agent_metrics_hourly, start, end, rows, built_at)
        recovery_state.save(connection, kept, built_at)
    return rows


def build_decision_consistency(
    engine: Engine, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Rewrite decision_consistency_hourly for the hours in [start, end)."""
    start, end = naive_utc(start), naive_utc(end)
    with engine.begin() as connection:
        rows = decision_rows(connection, start, end)
        replace_window(connection, decision_consistency_hourly, start, end, rows, _now())
    return rows


@dataclass
class SessionBuild:
    """What build_session_coherence wrote: how many sessions, and the rows the profiler made.

    The other sessions' rows (no findings: never flagged, no late response) were written by
    the database itself (lib/rollup/session_insert.py).
    """

    n_sessions: int
    profiled: list[dict[str, Any]]


def build_session_coherence(
    engine: Engine, start: datetime, end: datetime, rule: CoherenceFlagRule | None = None
) -> SessionBuild:
    """Rewrite the sessions whose last event is in [start, end).

    A session that an earlier hour wrote and that has continued into this window moves here:
    its old row is deleted by session_id in the same transaction. Sessions without profiler
    work are written with INSERT … SELECT from their summaries; the others are profiled in
    Python from their events.
    """
    start, end = naive_utc(start), naive_utc(end)
    built_at = _now()
    with engine.begin() as connection:
        session_insert.stage_summaries(connection, start, end, start - LOOKBACK)
        try:
            summaries = session_insert.profiled_summaries(connection)
            bounds = {str(r["session_id"]): float(r["last_epoch"]) for r in summaries}
            profiled = profiled_rows(connection, bounds, start, rule)
            rows = [profiled[session_id] for session_id in sorted(profiled)]
            session_insert.delete_moved(connection)
            connection.execute(delete(session_coherence).where(
                session_coherence.c.hour >= start, session_coherence.c.hour < end))
            n_summarised = session_insert.insert_summarised(connection, built_at)
            bulk.insert_rows(connection, session_coherence, [{**r, "built_at": built_at} for r in rows])
        finally:
            session_insert.drop_staged(connection)
    return SessionBuild(n_sessions=n_summarised + len(rows), profiled=rows)


def sessions_per_hour(engine: Engine, start: datetime, end: datetime) -> dict[datetime, int]:
    """session_coherence rows per hour in [start, end)."""
    query = (select(session_coherence.c.hour, func.count()).where(
        session_coherence.c.hour >= start, session_coherence.c.hour < end).group_by(session_coherence.c.hour))
    with engine.connect() as connection:
        return {hour: int(n) for hour, n in connection.execute(query)}
