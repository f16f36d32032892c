"""Which hours an ingestion changes besides the hours of its own events, and which have ended.

An event changes the figures of its own hour, and sometimes of another one (SPEC §2, §8):
- a shadow response: the hour of the primary response it mirrors (M3);
- a review: only the hour of the response it judges (M1, the review queue), recorded apart in
  `review_hours`, because nothing else reads it: its own hour is not marked at all;
- an escalation: the hour of each agent's first primary response in its session (M7), and a
  response earlier than an agent's first one moves the session out of that hour;
- any event of a workflow run: the hour where the run had ended (its first terminal status)
  or had been counted as stalled (last activity + 30 min), and the hours of its failed steps
  (C1 roots), because a later status, step or activity can change how the run ended.
Those hours are looked up before the batch is written, so they describe what had been built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from agent_monitor.lib.ingest.store import among
from agent_monitor.lib.metrics.completion import STALL_AFTER_S, TERMINAL
from agent_monitor.lib.warehouse.tables_raw import raw_event_hours, raw_events

HOUR = timedelta(hours=1)
# A closing hour is rebuilt when events exist in it or in the 24 hours before it (the
# look-back of the hourly tables: an open incident or a stall may carry into it).
LOOKBACK = timedelta(hours=24)
# After a long pause of the sensor, at most this many ended hours are reported at once.
MAX_ENDED_HOURS = 168
_CHUNK = 500
_FAILED_STEP = ("failed", "timed_out")


def hour_of(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class RelatedHours:
    """What a batch changes besides the hours of its events: other hours' events, and the
    hours whose responses got a review (counted per review)."""

    event_hours: set[datetime]
    review_hours: Counter[datetime]
    # The `ts` of each stored event a review of the batch judges (review_targets.py).
    review_target_times: dict[str, datetime]


def related_hours(connection: Connection, rows: Sequence[dict[str, Any]]) -> RelatedHours:
    """The other hours whose figures the accepted rows change (read before they are written)."""
    reviews = [r for r in rows if r["event_type"] == "review"]
    shadows = [r for r in rows if r["event_type"] != "review"]
    hours = {hour_of(ts) for ts in _target_times(connection, shadows).values()}
    hours |= _session_owner_hours(connection, rows)
    hours |= _run_end_hours(connection, rows)
    judged = _target_times(connection, reviews)
    return RelatedHours(hours, Counter(hour_of(ts) for ts in judged.values()), judged)


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _target_times(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, datetime]:
    """event_id → ts of the stored responses that reviews and shadow responses refer to."""
    ids = [r.get("target_event_id") or r.get("shadow_of") for r in rows]
    out: dict[str, datetime] = {}
    for chunk in _chunks(i for i in ids if i):
        statement = select(raw_events.c.event_id, raw_events.c.ts).where(among(connection, raw_events.c.event_id))
        out.update((row.event_id, row.ts) for row in connection.execute(statement, {"ids": chunk}))
    return out


def _is_primary_response(row: dict[str, Any]) -> bool:
    return row["event_type"] == "agent_response" and row.get("deployment") != "shadow"


def _session_owner_hours(connection: Connection, rows: Sequence[dict[str, Any]]) -> set[datetime]:
    """M7: hours that own a session (its agent's first primary response) which the rows change."""
    escalated = {r["session_id"] for r in rows if r["event_type"] == "escalation"}
    earliest: dict[tuple[str, str], datetime] = {}
    for r in rows:
        if _is_primary_response(r) and r.get("session_id") is not None:
            key = (str(r["session_id"]), str(r["agent_id"]))
            earliest[key] = min(earliest.get(key, r["ts"]), r["ts"])
    sessions = escalated | {s for s, _ in earliest}
    if not sessions:
        return set()
    e = raw_events.c
    hours: set[datetime] = set()
    for chunk in _chunks(sessions):
        statement = (
            select(e.session_id, e.agent_id, func.min(e.ts).label("first_ts"))
            .where(among(connection, e.session_id), e.event_type == "agent_response",
                   func.coalesce(e.deployment, "primary") != "shadow")
            .group_by(e.session_id, e.agent_id)
        )
        for session_id, agent_id, first_ts in connection.execute(statement, {"ids": chunk}):
            new_first = earliest.get((session_id, agent_id))
            if session_id in escalated or (new_first is not None and new_first < first_ts):
                hours.add(hour_of(first_ts))
    return hours


def _is_run_event(row: dict[str, Any]) -> bool:
    if row.get("workflow_run_id") is None:
        return False
    return row["event_type"] in ("workflow_run", "workflow_step") or _is_primary_response(row)


def _run_end_hours(connection: Connection, rows: Sequence[dict[str, Any]]) -> set[datetime]:
    """M5 and C1: the hour each touched run had ended or stalled in, and its failed steps' hours."""
    run_ids = {str(r["workflow_run_id"]) for r in rows if _is_run_event(r)}
    if not run_ids:
        return set()
    e = raw_events.c
    is_run_event = (e.event_type.in_(("workflow_run", "workflow_step"))) | (
        (e.event_type == "agent_response") & (func.coalesce(e.deployment, "primary") != "shadow"))
    terminal = (e.event_type == "workflow_run") & e.status.in_(TERMINAL)
    failed = (e.event_type == "workflow_step") & e.status.in_(_FAILED_STEP)
    hours: set[datetime] = set()
    for chunk in _chunks(run_ids):
        statement = (
            select(e.workflow_run_id, e.ts, e.started_at, terminal.label("terminal"), failed.label("failed"))
            .where(among(connection, e.workflow_run_id), is_run_event)
        )
        state: dict[str, list[Any]] = {}
        for run_id, ts, started_at, is_terminal, is_failed in connection.execute(statement, {"ids": chunk}):
            first_terminal, last_activity = state.setdefault(run_id, [None, ts])
            if is_terminal and (first_terminal is None or ts < first_terminal):
                state[run_id][0] = ts
            state[run_id][1] = max(last_activity, ts, started_at or ts)
            if is_failed:
                hours.add(hour_of(ts))
        for first_terminal, last_activity in state.values():
            ended = first_terminal if first_terminal is not None else last_activity + timedelta(seconds=STALL_AFTER_S)
            hours.add(hour_of(ended))
    return hours


def ended_hours_to_rebuild(connection: Connection, closed_through: datetime, current_hour: datetime) -> list[datetime]:
    """Hours starting in [closed_through, current_hour): ended since, maybe built while filling.

    An hour qualifies when it or one of the 24 hours before it had events: only then can any
    hourly table hold a figure of it judged before it ended.
    """
    first = max(closed_through, current_hour - HOUR * MAX_ENDED_HOURS)
    candidates = []
    hour = first
    while hour < current_hour:
        candidates.append(hour)
        hour += HOUR
    if not candidates:
        return []
    statement = select(raw_event_hours.c.hour).where(
        raw_event_hours.c.hour >= candidates[0] - LOOKBACK,
        raw_event_hours.c.hour <= candidates[-1],
        raw_event_hours.c.n_events > 0,
    )
    with_events = sorted(row.hour for row in connection.execute(statement))
    return [h for h in candidates if any(h - LOOKBACK <= w <= h for w in with_events)]
