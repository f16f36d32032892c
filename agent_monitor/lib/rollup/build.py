"""Rebuild a window of each hourly metric table: read, compute, replace in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete

from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.metrics.rows import as_datetime
from agent_monitor.lib.rollup import recovery_state, session_insert
from agent_monitor.lib.rollup.coherence import profiled_rows
from agent_monitor.lib.rollup.consistency import decision_rows
from agent_monitor.lib.rollup.hourly import agent_metrics_rows
from agent_monitor.lib.rollup.sql import SESSION_WORK_MEM
from agent_monitor.lib.rollup.window import LOOKBACK, naive_utc
from agent_monitor.lib.rollup.write import replace_window
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.local_settings import work_mem
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


@dataclass(frozen=True)
class SessionCounts:
    """An hour's session_coherence rows: how many, how many flagged, how many with late responses."""

    sessions: int
    flagged: int
    with_late_responses: int


@dataclass
class SessionBuild:
    """What build_session_coherence wrote: how many sessions, and per hour how many of them
    were flagged and how many had late responses."""

    n_sessions: int
    per_hour: dict[datetime, SessionCounts]


def build_session_coherence(
    engine: Engine, start: datetime, end: datetime, rule: CoherenceFlagRule | None = None
) -> SessionBuild:
    """Rewrite the sessions whose last event is in [start, end).

    A session that an earlier hour wrote and that has continued into this window moves here:
    its old row is deleted by session_id in the same transaction. The database writes the
    rows with INSERT … SELECT, profiling the sessions that need it in SQL; the few sessions it
    leaves out (adapter marks that are neither a JSON array nor null) are profiled in Python
    from their events.
    """
    start, end = naive_utc(start), naive_utc(end)
    built_at = _now()
    since = start - LOOKBACK
    with engine.begin() as connection:
        with work_mem(connection, SESSION_WORK_MEM):
            session_insert.stage_summaries(connection, start, end)
        try:
            session_insert.delete_moved(connection)
            connection.execute(delete(session_coherence).where(
                session_coherence.c.hour >= start, session_coherence.c.hour < end))
            with work_mem(connection, SESSION_WORK_MEM):
                written = session_insert.insert_profiles(connection, since, built_at, rule)
            left = (session_insert.unwritten_summaries(connection)
                    if len(written) < session_insert.staged_count(connection) else [])
            bounds = {str(r["session_id"]): float(r["last_epoch"]) for r in left}
            profiled = profiled_rows(connection, bounds, start, rule)
            rows = [profiled[session_id] for session_id in sorted(profiled)]
            bulk.insert_rows(connection, session_coherence, [{**r, "built_at": built_at} for r in rows])
        finally:
            session_insert.drop_staged(connection)
    return SessionBuild(n_sessions=len(written) + len(rows), per_hour=session_counts(written + rows))


def session_counts(rows: list[dict[str, Any]]) -> dict[datetime, SessionCounts]:
    """Per hour: sessions, flagged ones, ones with late responses."""
    counts: dict[datetime, list[int]] = {}
    for row in rows:
        acc = counts.setdefault(as_datetime(row["hour"]), [0, 0, 0])
        acc[0] += 1
        acc[1] += bool(row["flagged"])
        acc[2] += int(row["n_late_responses"]) > 0
    return {hour: SessionCounts(*acc) for hour, acc in counts.items()}
