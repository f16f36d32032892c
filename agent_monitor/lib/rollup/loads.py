"""Row pulls for the stateful metrics: only the rows a window (plus look-back) needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, func, select

from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_raw import raw_events as ev

CHUNK = 500
PRIMARY = func.coalesce(ev.c.deployment, "primary") != "shadow"
SESSION_COLUMNS = (
    "event_id",
    "event_type",
    "ts",
    "ts_epoch",
    "agent_id",
    "agent_version",
    "session_id",
    "turn",
    "deployment",
    "facts_referenced",
    "fields_requested",
    "facts_provided",
    "fields_provided",
    "flags",
    "attributes",
)
RUN_COLUMNS = (
    "event_id",
    "event_type",
    "ts",
    "ts_epoch",
    "agent_id",
    "workflow_id",
    "workflow_run_id",
    "step_id",
    "status",
    "started_at",
)


def _columns(names: Sequence[str]) -> list[Column[Any]]:
    return [ev.c[name] for name in names]


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _dicts(connection: Connection, statement: Any) -> list[dict[str, Any]]:
    return result_dicts(connection.execute(statement))


def late_response_sessions(connection: Connection, start: datetime, end: datetime) -> set[str]:
    """Sessions with a primary response at turn >= 50 in [start, end)."""
    statement = (
        select(ev.c.session_id)
        .distinct()
        .where(ev.c.event_type == "agent_response", PRIMARY, ev.c.turn >= 50)
        .where(ev.c.session_id.is_not(None), ev.c.ts >= start, ev.c.ts < end)
    )
    return {str(row[0]) for row in connection.execute(statement)}


def session_events(
    connection: Connection, session_ids: Iterable[str], since: datetime, end: datetime | None
) -> list[dict[str, Any]]:
    """User messages and responses (shadows included; the profiler drops them) of sessions."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(session_ids):
        statement = select(*_columns(SESSION_COLUMNS)).where(
            ev.c.session_id.in_(chunk),
            ev.c.event_type.in_(("user_message", "agent_response")),
            ev.c.ts >= since,
        )
        if end is not None:
            statement = statement.where(ev.c.ts < end)
        rows += _dicts(connection, statement)
    return rows


def session_escalation_times(
    connection: Connection, session_ids: Iterable[str], since: datetime
) -> list[dict[str, Any]]:
    """Escalation events of sessions (they count as session activity for first/last ts)."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(session_ids):
        statement = select(ev.c.session_id, ev.c.ts, ev.c.ts_epoch).where(
            ev.c.session_id.in_(chunk), ev.c.event_type == "escalation", ev.c.ts >= since
        )
        rows += _dicts(connection, statement)
    return rows


def _run_event_filter() -> Any:
    """Events of a workflow run: run and step events, and primary responses naming a run."""
    return ev.c.workflow_run_id.is_not(None) & (
        ev.c.event_type.in_(("workflow_run", "workflow_step"))
        | ((ev.c.event_type == "agent_response") & PRIMARY)
    )


def run_events(
    connection: Connection, active_since: datetime, end: datetime, as_of: datetime
) -> list[dict[str, Any]]:
    """Every event before `as_of` of the runs with an event in [active_since, end).

    A run's later events are read too, whenever they happened: a terminal status that
    arrives after the run had been counted as stalled decides how it ended (SPEC §8).
    """
    touched = (
        select(ev.c.workflow_run_id)
        .where(_run_event_filter(), ev.c.ts >= active_since, ev.c.ts < end)
        .distinct()
    )
    statement = select(*_columns(RUN_COLUMNS)).where(
        _run_event_filter(), ev.c.workflow_run_id.in_(touched), ev.c.ts < as_of
    )
    return _dicts(connection, statement)
