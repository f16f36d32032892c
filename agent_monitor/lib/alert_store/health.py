"""What the alert tick reads: the latest agent_health hour per agent, trends, traces, topology."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, inspect, or_, select

from agent_monitor.lib.cascades.correlation import observed_edges
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations

HOUR = timedelta(hours=1)
TREND_HOURS = 12
TOPOLOGY_HOURS = 24 * 7


def latest_health(connection: Connection, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every rule row (not 'overall') of each agent's latest hour in agent_health.

    Alerting looks only at the latest hour per agent, so a backfill of past hours never pages.
    `as_of` (a replay) ignores hours from that hour on.
    """
    newest_query = select(agent_health.c.agent_id, func.max(agent_health.c.hour).label("hour"))
    if as_of is not None:
        newest_query = newest_query.where(agent_health.c.hour < as_of)
    newest = newest_query.group_by(agent_health.c.agent_id).subquery()
    query = (
        select(agent_health)
        .join(newest, and_(agent_health.c.agent_id == newest.c.agent_id,
                           agent_health.c.hour == newest.c.hour))
        .where(agent_health.c.rule != "overall")
        .order_by(agent_health.c.agent_id, agent_health.c.rule, agent_health.c.scope)
    )
    return [dict(r) for r in connection.execute(query).mappings()]


def trend(
    connection: Connection, agent_id: str, rule: str, scope: str, hour: datetime,
    hours: int = TREND_HOURS,
) -> list[float | None]:
    """The rule's value for the `hours` hours ending at `hour` (None where there is no row)."""
    first = hour - HOUR * (hours - 1)
    query = select(agent_health.c.hour, agent_health.c.value).where(
        agent_health.c.agent_id == agent_id, agent_health.c.rule == rule,
        agent_health.c.scope == scope, agent_health.c.hour >= first, agent_health.c.hour <= hour,
    )
    found = {r.hour: r.value for r in connection.execute(query)}
    return [found.get(first + HOUR * i) for i in range(hours)]


def example_traces(
    connection: Connection, agent_id: str, hour: datetime, limit: int = 3
) -> list[str]:
    """Up to `limit` trace IDs of the agent's responses in the hour: those with a hallucination
    flag or an error first (what the person paged will want to see), then the earliest."""
    notable = func.max(case(
        (or_(raw_events.c.has_hallucination_flag.is_(True), raw_events.c.status == "error"), 1),
        else_=0)).label("notable")
    query = (
        select(raw_events.c.trace_id, func.min(raw_events.c.ts).label("first"), notable)
        .where(raw_events.c.event_type == "agent_response", raw_events.c.agent_id == agent_id,
               raw_events.c.ts >= hour, raw_events.c.ts < hour + HOUR,
               raw_events.c.trace_id.is_not(None))
        .group_by(raw_events.c.trace_id)
        .order_by(notable.desc(), "first", raw_events.c.trace_id)
        .limit(limit)
    )
    return [r.trace_id for r in connection.execute(query)]


def upstream_map(connection: Connection, until: datetime) -> dict[str, set[str]]:
    """agent -> its direct upstream agents: workflow_step edges of the trailing 24 h and
    cascade_correlations edges of the trailing week before `until`."""
    steps = connection.execute(
        select(raw_events.c.workflow_run_id, raw_events.c.step_id, raw_events.c.agent_id,
               raw_events.c.depends_on)
        .where(raw_events.c.event_type == "workflow_step", raw_events.c.ts >= until - 24 * HOUR,
               raw_events.c.ts < until, raw_events.c.agent_id.is_not(None))
    )
    edges = observed_edges(tuple(r) for r in steps)
    edge_rows = connection.execute(
        select(cascade_correlations.c.upstream_agent_id, cascade_correlations.c.downstream_agent_id)
        .where(cascade_correlations.c.hour >= until - TOPOLOGY_HOURS * HOUR,
               cascade_correlations.c.hour < until)
        .distinct()
    )
    edges |= {(r[0], r[1]) for r in edge_rows}
    upstream: dict[str, set[str]] = {}
    for up, down in edges:
        upstream.setdefault(down, set()).add(up)
    return upstream


def health_between(
    connection: Connection, start: datetime, end: datetime
) -> dict[str, Mapping[str, dict[str, Any]]]:
    """{agent: {rule: row}}: per agent and rule the newest row in [start, end) with data
    (else the newest no_data row); of several scopes in that hour (M3 paths) the worst."""
    query = (
        select(agent_health)
        .where(agent_health.c.hour >= start, agent_health.c.hour < end,
               agent_health.c.rule != "overall")
        .order_by(agent_health.c.hour)
    )
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for record in connection.execute(query).mappings():
        row = dict(record)
        rules = result.setdefault(row["agent_id"], {})
        kept = rules.get(row["rule"])
        if kept is None or _better(row, kept):
            rules[row["rule"]] = row
    return result


def _better(row: dict[str, Any], kept: dict[str, Any]) -> bool:
    """Whether `row` (same or later hour) replaces `kept` in health_between."""
    if row["status"] == "no_data":
        return kept["status"] == "no_data"
    if kept["status"] == "no_data" or row["hour"] > kept["hour"]:
        return True
    order = ("critical", "warning", "ok")
    return order.index(row["status"]) < order.index(kept["status"])


def latest_health_hour(connection: Connection) -> datetime | None:
    """The newest hour in agent_health, or None when it is empty."""
    return connection.execute(select(func.max(agent_health.c.hour))).scalar_one()


def review_backlog(connection: Connection) -> int:
    """Pending items in review_queue (0 when the table does not exist)."""
    if not inspect(connection).has_table("review_queue"):
        return 0
    from agent_monitor.lib.warehouse.tables_reviews import review_queue

    query = select(func.count()).select_from(review_queue).where(review_queue.c.status == "pending")
    return int(connection.execute(query).scalar_one())
