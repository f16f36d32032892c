"""The review queue and its day state written from the staged draws, in the database.

`lib/reviews/draws.py` stages the kept draws of the hours read in `review_draws`; from them
one INSERT … SELECT each writes the hours' per agent-hour counts, their lowest left-out
draws (`review_candidates`) and their queue rows (`sql/reviews/queue_rows.sql`), so no
response row is carried through Python. The values are those `queue_rows` gives the same
items (lib/reviews/status.py): the tests compare the two.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Float, bindparam, text

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.draws import rule_inclusions, rule_probability_cases
from agent_monitor.lib.reviews.selection import DAILY_MINIMUM, REVIEWED_OUTSIDE_SAMPLE
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.types import JsonColumn

SQL_FILE = Path(__file__).resolve().parents[3] / "sql" / "reviews" / "queue_rows.sql"
# The hour and day of a stored timestamp, and a timestamp plus the expiry, per dialect. SQLite
# keeps timestamps as SQLAlchemy's text ('YYYY-MM-DD HH:MM:SS.ffffff').
_HOUR = {"postgresql": "date_trunc('hour', {ts})", "sqlite": "substr({ts}, 1, 13) || ':00:00.000000'"}
_DAY = {"postgresql": "date_trunc('day', {ts})", "sqlite": "substr({ts}, 1, 10) || ' 00:00:00.000000'"}
_EXPIRES = {"postgresql": "(e.ts + CAST(:expiry AS INTERVAL))", "sqlite": "agent_monitor_plus_expiry(e.ts, :expiry)"}
_GREATEST = {"postgresql": "GREATEST", "sqlite": "MAX"}
_JSON = {"postgresql": "JSONB", "sqlite": "TEXT"}
_SQLITE_TS = "%Y-%m-%d %H:%M:%S.%f"
# The staged response's queue columns (as `e`) and its latest review (as `lr`), looked up per
# staged row `d`. PostgreSQL: lateral subqueries fenced by OFFSET 0 / LIMIT 1, which the planner
# cannot turn into a hash of the whole table (it would for a staging table it has no count of);
# SQLite: plain joins; CROSS JOIN fixes the staged rows as the outer loop (without statistics
# SQLite may otherwise walk the whole review index, every review ever, and look up the draws).
_RESPONSE_COLUMNS = {
    "postgresql": (
        "CROSS JOIN LATERAL (SELECT e.event_id, e.ts, e.agent_version, e.session_id, e.trace_id, e.confidence,"
        " e.decision_name, e.decision_value, e.decision_path FROM raw_events e"
        " WHERE e.event_id = d.event_id OFFSET 0) e"
    ),
    "sqlite": "JOIN raw_events e ON e.event_id = d.event_id",
}
_REVIEW_ORDER = ("r.ts DESC, COALESCE(r.ingest_id, 0) DESC, COALESCE(r.source_location, 0) DESC,"
                 " r.event_id{collate} DESC")
_BYTE_WISE = ' COLLATE "C"'  # PostgreSQL; SQLite's default BINARY is byte-wise
_LATEST_REVIEW = {
    "postgresql": (
        "LEFT JOIN LATERAL (SELECT r.event_id, r.ts, r.verdict, r.reviewer FROM raw_events r"
        " WHERE d.reviewed = 1 AND r.target_event_id = d.event_id AND r.event_type = 'review'"
        f" ORDER BY {_REVIEW_ORDER.format(collate=_BYTE_WISE)} LIMIT 1) lr ON TRUE"
    ),
    "sqlite": (
        "LEFT JOIN (SELECT ranked.target_event_id, ranked.event_id, ranked.ts, ranked.verdict, ranked.reviewer"
        " FROM (SELECT r.target_event_id, r.event_id, r.ts, r.verdict, r.reviewer,"
        f" ROW_NUMBER() OVER (PARTITION BY r.target_event_id ORDER BY {_REVIEW_ORDER.format(collate='')}) AS k"
        " FROM review_draws rd CROSS JOIN raw_events r ON r.target_event_id = rd.event_id"
        " WHERE rd.reviewed = 1 AND r.event_type = 'review') ranked"
        " WHERE ranked.k = 1) lr ON lr.target_event_id = d.event_id"
    ),
}
# What a left-out draw adds to the rule's reasons: nothing (a rule sample), the top-up, or
# being reviewed outside the sample (`extra` in queue_rows.sql).
_EXTRAS: tuple[tuple[str, ...], ...] = ((), (DAILY_MINIMUM,), (REVIEWED_OUTSIDE_SAMPLE,))


@cache
def _template() -> str:
    return SQL_FILE.read_text(encoding="utf-8")


def write_state(connection: Connection, day: datetime, settings: ReviewSettings) -> None:
    """The staged hours' counts per agent and their lowest daily_minimum + 1 left-out draws
    (the caller has deleted the hours' previous state)."""
    dialect = connection.dialect.name
    hour = _HOUR[dialect].format(ts="d.ts")
    params: dict[str, Any] = {"day": day, "candidates": settings.daily_minimum + 1}
    day_param = bindparam("day", type_=DateTime())
    connection.execute(text(
        "INSERT INTO review_hour_counts (hour, agent_id, day, n_responses, n_rule_sampled) "
        f"SELECT {hour}, d.agent_id, :day, MAX(d.n_responses), MAX(d.n_rule_sampled) "
        f"FROM review_draws d GROUP BY {hour}, d.agent_id"
    ).bindparams(day_param), params)
    pi_cases = rule_probability_cases(settings, params)
    reasons = _reasons_cases(settings, dialect, params, extra="0")
    connection.execute(text(
        "INSERT INTO review_candidates (event_id, hour, day, agent_id, u, rule_probability, reasons, ts,"
        " agent_version, session_id, trace_id, confidence, decision_name, decision_value, decision_path) "
        f"SELECT d.event_id, {hour}, :day, d.agent_id, d.u, CASE d.answers {pi_cases} END, {reasons}, d.ts,"
        " e.agent_version, e.session_id, e.trace_id, e.confidence, e.decision_name, e.decision_value,"
        " e.decision_path "
        f"FROM review_draws d {_RESPONSE_COLUMNS[dialect]} "
        "WHERE d.by_rule = 0 AND d.draw_rank <= :candidates"
    ).bindparams(day_param), params)


def write_queue_rows(
    connection: Connection, thresholds: dict[str, float], settings: ReviewSettings, now: datetime
) -> list[dict[str, Any]]:
    """Insert the staged hours' queue rows with their agent-days' thresholds t; returns per
    row its event_id, hour, agent_id, status, reasons, inclusion_probability and verdict."""
    dialect = connection.dialect.name
    params: dict[str, Any] = {"now": now}
    if dialect == "sqlite":
        connection.connection.driver_connection.create_function(  # type: ignore[union-attr]
            "agent_monitor_plus_expiry", 2, _plus_seconds, deterministic=True)
        params["expiry"] = timedelta(days=settings.expiry_days).total_seconds()
    else:
        params["expiry"] = timedelta(days=settings.expiry_days)
    values = []
    for i, (agent, t) in enumerate(sorted(thresholds.items())):
        values.append(f"(:t_agent_{i}, CAST(:t_{i} AS DOUBLE PRECISION))")
        params[f"t_agent_{i}"], params[f"t_{i}"] = agent, t
    sql = _template().format(
        hour=_HOUR[dialect].format(ts="e.ts"), day=_DAY[dialect].format(ts="e.ts"), expires=_EXPIRES[dialect],
        greatest=_GREATEST[dialect], response_columns=_RESPONSE_COLUMNS[dialect],
        latest_review=_LATEST_REVIEW[dialect],
        pi_cases=rule_probability_cases(settings, params),
        reasons=_reasons_cases(settings, dialect, params, extra="d.extra"),
        thresholds=", ".join(values) or "(NULL, CAST(0 AS DOUBLE PRECISION))")
    statement = text(sql).bindparams(bindparam("now", type_=DateTime())).columns(
        hour=DateTime(), reasons=JsonColumn, inclusion_probability=Float())
    return result_dicts(connection.execute(statement, params))


def _reasons_cases(settings: ReviewSettings, dialect: str, params: dict[str, Any], *, extra: str) -> str:
    """The reasons of a staged draw as JSON, from its answers and what `extra` adds."""
    cases = []
    for code, inclusion in enumerate(rule_inclusions(settings)):
        for index, added in enumerate(_EXTRAS):
            name = f"reasons_{code}_{index}"
            params[name] = json.dumps([*inclusion.reasons, *added])
            cases.append(f"WHEN {code * len(_EXTRAS) + index} THEN CAST(:{name} AS {_JSON[dialect]})")
    return f"CASE d.answers * {len(_EXTRAS)} + {extra} " + " ".join(cases) + " END"


def _plus_seconds(ts: str, seconds: float) -> str:
    """SQLite: a stored timestamp plus `seconds`, stored the same way."""
    return (datetime.strptime(ts, _SQLITE_TS) + timedelta(seconds=seconds)).strftime(_SQLITE_TS)
