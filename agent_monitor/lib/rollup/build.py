"""Rebuild a window of each hourly metric table: read, compute, replace in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.rollup.coherence import session_rows
from agent_monitor.lib.rollup.consistency import decision_rows
from agent_monitor.lib.rollup.hourly import agent_metrics_rows
from agent_monitor.lib.rollup.window import naive_utc
from agent_monitor.lib.rollup.write import delete_keys, replace_window
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
    with engine.begin() as connection:
        rows = agent_metrics_rows(connection, start, end, as_of)
        replace_window(connection, agent_metrics_hourly, start, end, rows, _now())
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


def build_session_coherence(
    engine: Engine, start: datetime, end: datetime, rule: CoherenceFlagRule | None = None
) -> list[dict[str, Any]]:
    """Rewrite the sessions whose last event is in [start, end).

    A session that an earlier hour wrote and that has continued into this window moves here:
    its old row is deleted by session_id in the same transaction.
    """
    start, end = naive_utc(start), naive_utc(end)
    with engine.begin() as connection:
        rows = session_rows(connection, start, end, rule)
        delete_keys(connection, session_coherence, "session_id", [r["session_id"] for r in rows])
        replace_window(connection, session_coherence, start, end, rows, _now())
    return rows
