"""Rebuild the review queue for whole UTC days from `raw_events`.

The daily minimum depends on every response of an agent's day, so the queue is rebuilt a
day at a time: building any hour (or window of hours) rewrites the rows of every day it
touches from that day's events in `raw_events`. The rows of a day are therefore a function
of the day's events only, whatever order its hours are built in (docs/reviews.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, or_, select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.selection import CriticalPaths, day_of, select_queue
from agent_monitor.lib.reviews.status import REVIEWED, queue_rows
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.locks import lock_table_for_rebuild
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue

_RESPONSE_COLUMNS = (
    "event_id", "ts", "ts_epoch", "agent_id", "agent_version", "session_id", "trace_id",
    "confidence", "decision_name", "decision_value", "decision_path", "deployment",
    "shadow_of", "flags",
)
_REVIEW_COLUMNS = ("event_id", "ts", "target_event_id", "verdict", "reviewer", "ingest_id",
                   "source_location")


@dataclass
class BuildResult:
    """What a rebuild wrote, and which hours' reviewed rows changed."""

    days: list[datetime]
    rows: list[dict[str, Any]]
    changed_hours: set[datetime] = field(default_factory=set)


def day_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole UTC days that cover [start, end): midnight of start to midnight after end."""
    first = day_of(start)
    last = day_of(end)
    return first, last if last == end else last + timedelta(days=1)


def rebuild_queue(
    engine: Engine, start: datetime, end: datetime, settings: ReviewSettings, *, now: datetime,
    critical_paths: CriticalPaths | None = None,
) -> BuildResult:
    """Recompute and replace the queue rows of every UTC day that [start, end) touches.

    `critical_paths(agent)` gives the agent's critical decision paths (default: the M3 rule's
    default paths).
    """
    day_start, day_end = day_span(start, end)
    with engine.begin() as connection:
        primaries, shadows, reviews = _load(connection, day_start, day_end)
        reviewed = {str(r["target_event_id"]) for r in reviews}
        queue = select_queue(primaries, shadows, settings, reviewed, critical_paths)
        rows = queue_rows(queue, reviews, settings, now=now)
        for row in rows:
            row["built_at"] = now
        lock_table_for_rebuild(connection, review_queue.name)
        before = _fingerprints(connection.execute(_reviewed_select(day_start, day_end)).mappings())
        connection.execute(
            delete(review_queue).where(review_queue.c.hour >= day_start, review_queue.c.hour < day_end)
        )
        bulk.insert_rows(connection, review_queue, rows)
    after = _fingerprints(r for r in rows if r["status"] == REVIEWED)
    changed = {hour for hour in before.keys() | after.keys() if before.get(hour) != after.get(hour)}
    days = [day_start + timedelta(days=i) for i in range((day_end - day_start).days)]
    return BuildResult(days=days, rows=rows, changed_hours=changed)


def _load(
    connection: Connection, day_start: datetime, day_end: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    is_response = raw_events.c.event_type == "agent_response"
    is_shadow = raw_events.c.deployment == "shadow"
    in_days = and_(raw_events.c.ts >= day_start, raw_events.c.ts < day_end)
    primary_ids = (
        select(raw_events.c.event_id)
        .where(is_response, in_days, or_(raw_events.c.deployment.is_(None), ~is_shadow))
        .scalar_subquery()
    )
    columns = [raw_events.c[name] for name in _RESPONSE_COLUMNS]
    primaries = result_dicts(connection.execute(
        select(*columns).where(is_response, in_days, or_(raw_events.c.deployment.is_(None), ~is_shadow))
        .order_by(raw_events.c.ts, raw_events.c.event_id)
    ))
    shadows = result_dicts(connection.execute(
        select(*columns).where(is_response, is_shadow, raw_events.c.shadow_of.in_(primary_ids))
    ))
    reviews = result_dicts(connection.execute(
        select(*[raw_events.c[name] for name in _REVIEW_COLUMNS]).where(
            raw_events.c.event_type == "review", raw_events.c.target_event_id.in_(primary_ids)
        )
    ))
    return primaries, shadows, reviews


def _reviewed_select(day_start: datetime, day_end: datetime) -> Any:
    return select(
        review_queue.c.hour, review_queue.c.event_id, review_queue.c.inclusion_probability,
        review_queue.c.verdict,
    ).where(review_queue.c.hour >= day_start, review_queue.c.hour < day_end, review_queue.c.status == REVIEWED)


def _fingerprints(rows: Any) -> dict[datetime, str]:
    """hour → digest of its reviewed rows (event_id, π, verdict): what M1 reads."""
    parts: dict[datetime, list[str]] = defaultdict(list)
    for row in rows:
        parts[row["hour"]].append(f"{row['event_id']}|{float(row['inclusion_probability']):.12g}|{row['verdict']}")
    return {hour: hashlib.sha256("\n".join(sorted(p)).encode()).hexdigest() for hour, p in parts.items()}
