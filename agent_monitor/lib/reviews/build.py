"""Build the review queue an hour at a time, with the daily top-up exact for the whole day.

The daily minimum depends on every response of an agent's UTC day. Building an hour (or a
window of hours) reads that hour's events only: its rule samples and draws are computed, its
agents' share of the day's state is stored (lib/reviews/day_state.py), the day's threshold t
is computed from the stored state of every hour of the day, the hour's rows are rewritten,
and when t of an agent-day has moved, that agent's rows in the day's other hours are updated
in place (π = max(π_rule, t), and the top-ups the new t takes or leaves). An hour of the day
whose events changed since it was read (or never read) is read in the same build. The rows
of a day are therefore the same as a rebuild of the whole day from its events, whatever order
its hours are built in (docs/reviews.md); `day_queue` computes that whole-day queue.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, Connection, Engine, String, and_, any_, bindparam, case, delete, or_, select, update

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews import day_state, staged
from agent_monitor.lib.reviews.draws import stage_draws
from agent_monitor.lib.reviews.selection import (
    DAILY_MINIMUM,
    REVIEWED_OUTSIDE_SAMPLE,
    CriticalPaths,
    Sampled,
    day_of,
    default_critical_paths,
    select_queue,
)
from agent_monitor.lib.reviews.status import REVIEWED, queue_rows
from agent_monitor.lib.rollup.window import hour_runs
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.locks import lock_table_for_rebuild
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_draws, review_queue

_RESPONSE_COLUMNS = (
    "event_id", "ts", "ts_epoch", "agent_id", "agent_version", "session_id", "trace_id",
    "confidence", "decision_name", "decision_value", "decision_path", "deployment",
    "shadow_of", "flags",
)
_REVIEW_COLUMNS = ("event_id", "ts", "target_event_id", "verdict", "reviewer", "ingest_id",
                   "source_location")
HOUR = timedelta(hours=1)
_ID_CHUNK = 1000
_TOP_UP_REASONS = (DAILY_MINIMUM, REVIEWED_OUTSIDE_SAMPLE)


@dataclass
class BuildResult:
    """What a build wrote (per row of the hours it read: event_id, hour, agent_id, status,
    reasons, inclusion_probability, verdict), and which hours' reviewed rows changed."""

    days: list[datetime]
    rows: list[dict[str, Any]]
    changed_hours: set[datetime] = field(default_factory=set)
    hours_read: list[datetime] = field(default_factory=list)


def day_span(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole UTC days that cover [start, end): midnight of start to midnight after end."""
    first = day_of(start)
    last = day_of(end)
    return first, last if last == end else last + timedelta(days=1)


def rebuild_queue(
    engine: Engine, start: datetime, end: datetime, settings: ReviewSettings, *, now: datetime,
    critical_paths: CriticalPaths | None = None,
) -> BuildResult:
    """Rebuild the queue rows of the hours in [start, end) and keep their days' top-ups exact.

    `critical_paths(agent)` gives the agent's critical decision paths (default: the M3 rule's
    default paths).
    """
    days = day_state.days_of(start, end)
    rows: list[dict[str, Any]] = []
    changed: set[datetime] = set()
    hours_read: list[datetime] = []
    with engine.begin() as connection:
        for day in days:
            window = [h for h in _hours(max(start, day), min(end, day + timedelta(days=1)))]
            built = _build_day(connection, day, window, settings, now, critical_paths)
            rows += built.rows
            changed |= built.changed_hours
            hours_read += built.hours_read
    return BuildResult(days=days, rows=rows, changed_hours=changed, hours_read=hours_read)


def _hours(start: datetime, end: datetime) -> list[datetime]:
    hour, out = day_state.hour_of(start), []
    while hour < end:
        out.append(hour)
        hour += HOUR
    return out


def _build_day(
    connection: Connection, day: datetime, window: list[datetime], settings: ReviewSettings, now: datetime,
    critical_paths: CriticalPaths | None,
) -> BuildResult:
    minimum = settings.daily_minimum
    # One rebuild of the queue at a time: a concurrent one waits here instead of colliding.
    lock_table_for_rebuild(connection, review_queue.name)
    hours, marks = day_state.hours_to_read(connection, day, window)
    stage_draws(connection, hour_runs(hours), settings, critical_paths or default_critical_paths)
    t_before = day_state.thresholds(connection, day, minimum)
    day_state.replace_state(connection, day, hours, marks, settings)
    t_after = day_state.thresholds(connection, day, minimum)

    # The rows of the hours read, with the day's t: the rule's samples, the top-ups (every
    # left-out draw below t is among the hour's candidates) and the reviewed left-out ones.
    before = _fingerprints(connection.execute(_reviewed_select(review_queue.c.hour.in_(hours))).mappings())
    connection.execute(delete(review_queue).where(review_queue.c.hour.in_(hours)))
    rows = staged.write_queue_rows(connection, t_after, settings, now)
    connection.execute(delete(review_draws))
    after = _fingerprints(r for r in rows if r["status"] == REVIEWED)
    changed = {hour for hour in before.keys() | after.keys() if before.get(hour) != after.get(hour)}

    # The day's other hours: where t moved, π and the top-ups of that agent's rows follow it.
    for agent in sorted(a for a in t_after.keys() | t_before.keys() if t_after.get(a) != t_before.get(a)):
        changed |= _follow_threshold(connection, day, hours, agent, t_before.get(agent), t_after.get(agent, 0.0),
                                     settings, now)
    _expire(connection, day, now)
    return BuildResult(days=[day], rows=rows, changed_hours=changed, hours_read=hours)


def _elsewhere(day: datetime, hours: list[datetime], agent: str) -> Any:
    """review_queue rows of `agent` in the day's hours other than `hours`."""
    return and_(review_queue.c.hour >= day, review_queue.c.hour < day + timedelta(days=1),
                review_queue.c.agent_id == agent, review_queue.c.hour.not_in(hours))


def _follow_threshold(
    connection: Connection, day: datetime, hours: list[datetime], agent: str, t_old: float | None, t: float,
    settings: ReviewSettings, now: datetime,
) -> set[datetime]:
    """Update the agent's rows outside `hours` to the day's new t; returns the hours whose reviewed rows changed."""
    where = _elsewhere(day, hours, agent)
    moved = max(t, t_old if t_old is not None else 1.0)
    changed = {row[0] for row in connection.execute(
        select(review_queue.c.hour).distinct().where(where, review_queue.c.status == REVIEWED,
                                                     review_queue.c.rule_probability < moved))}
    connection.execute(update(review_queue).where(where).values(
        inclusion_probability=case((review_queue.c.rule_probability > t, review_queue.c.rule_probability), else_=t),
        built_at=now))
    # Left-out responses in the queue (top-ups, reviewed ones): taken while u < t, else kept
    # only when reviewed.
    present: set[str] = set()
    for row in connection.execute(select(review_queue.c.event_id, review_queue.c.u, review_queue.c.reasons,
                                         review_queue.c.status)
                                  .where(where, review_queue.c.u >= review_queue.c.rule_probability)).all():
        present.add(str(row.event_id))
        base = [r for r in row.reasons if r not in _TOP_UP_REASONS]
        if row.u < t:
            reasons = [*base, DAILY_MINIMUM]
        elif row.status == REVIEWED:
            reasons = [*base, REVIEWED_OUTSIDE_SAMPLE]
        else:
            connection.execute(delete(review_queue).where(review_queue.c.event_id == row.event_id))
            continue
        if reasons != list(row.reasons):
            connection.execute(update(review_queue).where(review_queue.c.event_id == row.event_id)
                               .values(reasons=reasons))
    # Draws the new t takes that are not in the queue yet (never reviewed: a reviewed one is).
    taken: list[Sampled] = [
        replace(item, inclusion_probability=max(item.rule_probability, t), reasons=(*item.reasons, DAILY_MINIMUM))
        for item in day_state.candidate_items(connection, day, agent, t, hours) if item.event_id not in present
    ]
    if taken:
        rows = queue_rows(taken, [], settings, now=now)
        for row in rows:
            row["built_at"] = now
        bulk.insert_rows(connection, review_queue, rows)
    return changed


def _expire(connection: Connection, day: datetime, now: datetime) -> None:
    """Pending items of the day past their expiry are expired as of `now` (status_of)."""
    connection.execute(update(review_queue).where(
        review_queue.c.hour >= day, review_queue.c.hour < day + timedelta(days=1),
        review_queue.c.status == "pending", review_queue.c.expires_at < now).values(status="expired"))


def day_queue(
    engine: Engine, day: datetime, settings: ReviewSettings, *, now: datetime,
    critical_paths: CriticalPaths | None = None,
) -> list[dict[str, Any]]:
    """The queue rows of a whole UTC day recomputed from all its events (no state, nothing written)."""
    with engine.connect() as connection:
        primaries, shadows, reviews = _load(connection, day, day + timedelta(days=1))
    reviewed = {str(r["target_event_id"]) for r in reviews}
    return queue_rows(select_queue(primaries, shadows, settings, reviewed, critical_paths), reviews, settings,
                      now=now)


def _load(
    connection: Connection, day_start: datetime, day_end: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The window's primary responses, their shadows and their reviews (whenever those arrived).

    Shadows and reviews are looked up by their primaries' ids (the shadow_of and
    target_event_id indexes), a chunk of ids at a time, so each read is bounded by the
    window's responses whatever the size of the table (a join let the planner scan every
    response of the table).
    """
    is_primary = or_(raw_events.c.deployment.is_(None), raw_events.c.deployment != "shadow")
    columns = [raw_events.c[name] for name in _RESPONSE_COLUMNS]
    primaries = result_dicts(connection.execute(
        select(*columns).where(raw_events.c.event_type == "agent_response", raw_events.c.ts >= day_start,
                               raw_events.c.ts < day_end, is_primary)
        .order_by(raw_events.c.ts, raw_events.c.event_id)
    ))
    ids = [str(row["event_id"]) for row in primaries]
    shadows: list[dict[str, Any]] = []
    for chunk in _id_chunks(connection, ids):
        shadows += result_dicts(connection.execute(select(*columns).where(
            _among(connection, raw_events.c.shadow_of, chunk), raw_events.c.event_type == "agent_response",
            raw_events.c.deployment == "shadow")))
    return primaries, shadows, _load_reviews(connection, ids)


def _load_reviews(connection: Connection, ids: list[str]) -> list[dict[str, Any]]:
    """Every review of the responses `ids` (whenever it arrived), by the target_event_id index."""
    reviews: list[dict[str, Any]] = []
    for chunk in _id_chunks(connection, ids):
        reviews += result_dicts(connection.execute(select(*[raw_events.c[name] for name in _REVIEW_COLUMNS]).where(
            _among(connection, raw_events.c.target_event_id, chunk), raw_events.c.event_type == "review")))
    return reviews


def _id_chunks(connection: Connection, ids: list[str]) -> list[list[str]]:
    """PostgreSQL takes every id as one array parameter; SQLite a chunk of bound values at a time."""
    step = len(ids) or 1 if connection.dialect.name == "postgresql" else _ID_CHUNK
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def _among(connection: Connection, column: Any, ids: list[str]) -> Any:
    """column = ANY(:ids) on PostgreSQL (one array parameter), column IN (…) elsewhere."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("ids", value=ids, type_=ARRAY(String())))
    return column.in_(ids)


def _reviewed_select(where: Any) -> Any:
    return select(
        review_queue.c.hour, review_queue.c.event_id, review_queue.c.inclusion_probability,
        review_queue.c.verdict,
    ).where(where, review_queue.c.status == REVIEWED)


def _fingerprints(rows: Any) -> dict[datetime, str]:
    """hour → digest of its reviewed rows (event_id, π, verdict): what M1 reads."""
    parts: dict[datetime, list[str]] = defaultdict(list)
    for row in rows:
        parts[row["hour"]].append(f"{row['event_id']}|{float(row['inclusion_probability']):.12g}|{row['verdict']}")
    return {hour: hashlib.sha256("\n".join(sorted(p)).encode()).hexdigest() for hour, p in parts.items()}
