"""M2 per hour and the session_coherence rows: sessions profiled from their own events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.coherence import CoherenceFlagRule, SessionProfile, session_profile
from agent_monitor.lib.metrics.rows import is_primary
from agent_monitor.lib.rollup.loads import (
    late_response_sessions,
    session_escalation_times,
    session_events,
)
from agent_monitor.lib.rollup.session_insert import summary_params
from agent_monitor.lib.rollup.sql import SESSION_WORK_MEM, hour_from_epoch, run_query
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch, hours
from agent_monitor.lib.warehouse.local_settings import work_mem

Key = tuple[datetime, str, str]


def m2_by_hour(connection: Connection, start: datetime, end: datetime) -> dict[Key, dict[str, Any]]:
    """Per hour × agent × version: late responses, Σearly, Σrecent, sessions with late turns.

    Computed in the database (sql/metrics/m2.<dialect>.sql): each hour sees its sessions
    through their events in [hour − 24 h, hour end), as `m2_by_hour_profiled` does in Python.
    """
    out: dict[Key, dict[str, Any]] = {}
    with work_mem(connection, SESSION_WORK_MEM):
        rows = run_query(connection, "m2", start, end, since=start - LOOKBACK)
    for row in rows:
        out[(hour_from_epoch(row["hour_epoch"]), str(row["agent_id"]), str(row["agent_version"]))] = {
            name: int(row[name] or 0)
            for name in ("n_late_responses", "m2_early_refs", "m2_recent_refs", "n_late_sessions")
        }
    return out


def m2_by_hour_profiled(connection: Connection, start: datetime, end: datetime) -> dict[Key, dict[str, Any]]:
    """M2 as the session profiler computes it, session by session in Python (the reference).

    Each hour profiles its sessions from their events in [hour − 24 h, hour end), so the
    figures of an hour never depend on events after it or more than 24 h before it.
    """
    sessions = late_response_sessions(connection, start, end)
    rows = session_events(connection, sessions, start - LOOKBACK, end)
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_session[str(row["session_id"])].append(row)
    out: dict[Key, dict[str, Any]] = {}
    for hour in hours(start, end):
        lo, hi = epoch(hour - LOOKBACK), epoch(hour + HOUR)
        h_lo, h_hi = epoch(hour), hi
        for events in by_session.values():
            visible = [r for r in events if lo <= float(r["ts_epoch"]) < hi]
            late_here = [
                r
                for r in visible
                if r["event_type"] == "agent_response"
                and is_primary(r)
                and (r["turn"] or 0) >= 50
                and h_lo <= float(r["ts_epoch"]) < h_hi
            ]
            if not late_here:
                continue
            profile = session_profile(visible)
            seen: set[Key] = set()
            for late in profile.late_responses:
                if not h_lo <= epoch(late.ts) < h_hi:
                    continue
                key = (hour, late.agent_id, late.agent_version or "")
                acc = out.setdefault(
                    key,
                    {
                        "n_late_responses": 0,
                        "m2_early_refs": 0,
                        "m2_recent_refs": 0,
                        "n_late_sessions": 0,
                    },
                )
                acc["n_late_responses"] += 1
                acc["m2_early_refs"] += late.early
                acc["m2_recent_refs"] += late.recent
                if key not in seen:
                    acc["n_late_sessions"] += 1
                    seen.add(key)
    return out


def session_rows_profiled(
    connection: Connection, start: datetime, end: datetime, rule: CoherenceFlagRule | None = None
) -> list[dict[str, Any]]:
    """session_coherence rows of the sessions whose last event is in [start, end), every one
    profiled in Python from its events (the reference for sql/metrics/session_profiles.sql).

    The sessions the window owns come from sql/metrics/session_summaries.sql.
    """
    params = summary_params(start, end)
    summaries = run_query(connection, "session_summaries", start, end, since=params["since"], recent=params["recent"])
    bounds = {str(r["session_id"]): float(r["last_epoch"]) for r in summaries}
    rows = profiled_rows(connection, bounds, start, rule)
    return [rows[session_id] for session_id in sorted(rows)]


def profiled_rows(
    connection: Connection, bounds: dict[str, float], start: datetime, rule: CoherenceFlagRule | None
) -> dict[str, dict[str, Any]]:
    """Rows of the given sessions (id → last event epoch) from their events and the profiler."""
    if not bounds:
        return {}
    rows = session_events(connection, bounds, start - LOOKBACK, None)
    escalations = session_escalation_times(connection, bounds, start - LOOKBACK)
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_session[str(row["session_id"])].append(row)
    times: dict[str, list[tuple[float, datetime]]] = defaultdict(list)
    for row in escalations:
        times[str(row["session_id"])].append((float(row["ts_epoch"]), row["ts"]))
    out: dict[str, dict[str, Any]] = {}
    for session_id, last_epoch in bounds.items():
        hour = _hour_of(last_epoch)
        since = epoch(hour - LOOKBACK)
        events = [r for r in by_session[session_id] if float(r["ts_epoch"]) >= since]
        extra = [t for t in times[session_id] if t[0] >= since]
        out[session_id] = _session_row(session_id, hour, events, extra, rule)
    return out


def _hour_of(epoch_seconds: float) -> datetime:
    return hour_from_epoch(epoch_seconds - epoch_seconds % 3600)


def _session_row(
    session_id: str,
    hour: datetime,
    events: Sequence[dict[str, Any]],
    escalation_times: Sequence[tuple[float, datetime]],
    rule: CoherenceFlagRule | None,
) -> dict[str, Any]:
    primary = [r for r in events if is_primary(r)]
    stamps = [(float(r["ts_epoch"]), r["ts"]) for r in primary] + list(escalation_times)
    profile = session_profile(events, rule)
    agents = sorted({str(r["agent_id"]) for r in primary if r["event_type"] == "agent_response"})
    turns = [int(r["turn"]) for r in primary if r["turn"] is not None]
    return {
        "session_id": session_id,
        "hour": hour,
        "agent_ids": agents,
        "first_ts": min(stamps)[1],
        "last_ts": max(stamps)[1],
        "n_events": len(stamps),
        "n_responses": profile.n_responses,
        "max_turn": max(turns) if turns else None,
        **_findings(profile),
    }


def _findings(profile: SessionProfile) -> dict[str, Any]:
    """The session_coherence columns that come from the profiler."""
    return {
        "n_late_responses": profile.n_late_responses,
        "early_refs": profile.early_refs,
        "recent_refs": profile.recent_refs,
        "coherence_ratio": profile.coherence_ratio,
        "reasked_fields": list(profile.reasked_fields),
        "n_reasked_fields": profile.n_reasked_fields,
        "n_reask_requests": profile.n_reask_requests,
        "contradicted_facts": list(profile.contradicted_facts),
        "n_contradicted_facts": len(profile.contradicted_facts),
        "flagged": profile.flagged,
        "flag_reasons": list(profile.flag_reasons),
        "findings": [
            {"kind": f.kind, "turn": f.turn, "event_id": f.event_id, "detail": f.detail}
            for f in profile.findings
        ],
    }
