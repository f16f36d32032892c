"""Per agent-hour state of the daily top-up, so that an hour's build reads only its hour.

The top-up threshold t of an agent-day (lib/reviews/selection.py) depends on three figures of
the whole day: N primary responses, S rule samples, and the (daily_minimum − S + 1)-th lowest
draw (u, event_id) the rule left out. Each built hour keeps its agents' N and S
(`review_hour_counts`) and its daily_minimum + 1 lowest left-out draws (`review_candidates`):
the day's k-th lowest left-out draw, k ≤ daily_minimum + 1, is among the union of every hour's
lowest daily_minimum + 1, so t is exact from these rows. Every response the top-up takes has
u < t, so it is among them too, with the columns its queue row needs.

`review_hours_read` records, per hour, the ingestion mark it was read at: the larger
`last_ingest_id` of `raw_event_hours` (an event in the hour, or a later shadow of one of its
responses) and `review_hours` (a review of one of its responses). An hour whose mark has
moved since, or that has events but was never read, is read again by the next build of any
hour of its day, so the day's rows stay a function of the day's events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews import staged
from agent_monitor.lib.reviews.selection import Sampled, day_of
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.tables_raw import raw_event_hours, review_hours
from agent_monitor.lib.warehouse.tables_reviews import review_candidates, review_hour_counts, review_hours_read

DAY = timedelta(days=1)
ROW_COLUMNS = ("agent_version", "session_id", "trace_id", "confidence", "decision_name", "decision_value",
               "decision_path")


def hour_of(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def hours_to_read(connection: Connection, day: datetime, window_hours: Iterable[datetime]) -> tuple[
    list[datetime], dict[datetime, int]
]:
    """(hours of `day` to read from raw_events, the day's ingestion mark per hour).

    The window's hours, and every hour of the day whose mark is newer than the one it was
    last read at (or that was never read).
    """
    marks: dict[datetime, int] = {}
    for table in (raw_event_hours, review_hours):
        rows = connection.execute(select(table.c.hour, table.c.last_ingest_id).where(
            table.c.hour >= day, table.c.hour < day + DAY))
        for hour, mark in rows:
            marks[hour] = max(marks.get(hour, 0), int(mark))
    read = dict(connection.execute(select(review_hours_read.c.hour, review_hours_read.c.ingest_mark).where(
        review_hours_read.c.day == day)).all())
    stale = {hour for hour, mark in marks.items() if hour not in read or int(read[hour]) < mark}
    return sorted(set(window_hours) | stale), marks


def thresholds(connection: Connection, day: datetime, daily_minimum: int) -> dict[str, float]:
    """t per agent of `day` from the stored state (SPEC §8 "Review top-ups")."""
    totals = connection.execute(
        select(review_hour_counts.c.agent_id, func.sum(review_hour_counts.c.n_responses),
               func.sum(review_hour_counts.c.n_rule_sampled))
        .where(review_hour_counts.c.day == day).group_by(review_hour_counts.c.agent_id)
    ).all()
    lowest: dict[str, list[float]] = defaultdict(list)
    ranked = (
        select(review_candidates.c.agent_id, review_candidates.c.u,
               func.row_number().over(partition_by=review_candidates.c.agent_id,
                                      order_by=(review_candidates.c.u, review_candidates.c.event_id)).label("k"))
        .where(review_candidates.c.day == day).subquery()
    )
    for agent, u, _ in connection.execute(
        select(ranked).where(ranked.c.k <= daily_minimum + 1).order_by(ranked.c.agent_id, ranked.c.k)
    ):
        lowest[str(agent)].append(float(u))
    out: dict[str, float] = {}
    for agent, n_all, n_sampled in totals:
        n_all, n_sampled = int(n_all or 0), int(n_sampled or 0)
        if n_all < daily_minimum or n_sampled > daily_minimum:
            out[str(agent)] = 0.0
            continue
        rank = daily_minimum - n_sampled
        draws = lowest[str(agent)]
        out[str(agent)] = 1.0 if rank >= n_all - n_sampled else draws[rank]
    return out


def replace_state(
    connection: Connection, day: datetime, hours: list[datetime], marks: dict[datetime, int],
    settings: ReviewSettings,
) -> None:
    """Rewrite the state rows of `hours` (of `day`) from their staged draws (`review_draws`):
    per hour × agent its (responses, rule samples) and its lowest daily_minimum + 1 left-out
    draws, and the ingestion mark each hour was read at."""
    for table in (review_hour_counts, review_candidates, review_hours_read):
        connection.execute(delete(table).where(table.c.hour.in_(hours)))
    staged.write_state(connection, day, settings)
    bulk.insert_rows(connection, review_hours_read, [
        {"hour": hour, "day": day, "ingest_mark": marks.get(hour, 0)} for hour in hours
    ])


def candidate_items(connection: Connection, day: datetime, agent: str, below: float,
                    exclude_hours: Iterable[datetime]) -> list[Sampled]:
    """The agent-day's stored left-out draws with u < `below`, outside `exclude_hours`."""
    statement = select(review_candidates).where(
        review_candidates.c.day == day, review_candidates.c.agent_id == agent, review_candidates.c.u < below)
    excluded = list(exclude_hours)
    if excluded:
        statement = statement.where(review_candidates.c.hour.not_in(excluded))
    items = []
    for row in connection.execute(statement).mappings():
        items.append(Sampled(
            event_id=str(row["event_id"]), agent_id=str(row["agent_id"]), ts=row["ts"], u=float(row["u"]),
            rule_probability=float(row["rule_probability"]), inclusion_probability=float(row["rule_probability"]),
            reasons=tuple(row["reasons"]), row={name: row[name] for name in ROW_COLUMNS},
        ))
    return items


def days_of(start: datetime, end: datetime) -> list[datetime]:
    """Midnights of the UTC days that [start, end) touches."""
    first, days = day_of(start), []
    while first < end:
        days.append(first)
        first += DAY
    return days
