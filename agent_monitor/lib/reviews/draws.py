"""The review sampler's rule for the hours a build reads, computed in the database.

`sql/reviews/hour_draws.sql` computes every primary response's draw u and π_rule where the
events are and stages in `review_draws` only what the queue and the day state need: the
rule's samples, per hour × agent the daily_minimum + 1 lowest left-out draws, and the
reviewed responses, each with its hour × agent's counts. u is the draw ingestion stored
(`raw_events.sampling_u`, under the default salt) or, with another salt or on a row stored
before that column, SHA-256 in the database (PostgreSQL's `sha256`; on SQLite the Python
function registered on the connection); π_rule and its reasons are chosen among the
sixteen values `boosted_inclusion` gives for the four yes/no answers, so both are exactly
the values `lib/sampling.py` defines (`rule_samples` there stays the reference the tests
compare with). `lib/reviews/staged.py` writes the queue and its day state from the staged
rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, text

from agent_monitor.lib.config import DEFAULT_SALT, ReviewSettings
from agent_monitor.lib.reviews.selection import CriticalPaths
from agent_monitor.lib.sampling import Inclusion, boosted_inclusion, sampling_u
from agent_monitor.lib.warehouse.local_settings import local_setting, work_mem
from agent_monitor.lib.warehouse.tables_reviews import review_draws

SQL_FILE = Path(__file__).resolve().parents[3] / "sql" / "reviews" / "hour_draws.sql"

# u from the first 8 bytes of the digest: read as a signed 64-bit integer, made unsigned in
# numeric (exact), then rounded once to a double (numeric → float8 is correctly rounded, as
# Python's int / 2**64 is) and scaled by 2⁻⁶⁴ (exact).
_U = {
    "postgresql": (
        "((('x' || encode(substring(sha256(convert_to(:salt || e.event_id, 'UTF8')) FROM 1 FOR 8), 'hex'))"
        "::bit(64)::bigint::numeric + 18446744073709551616) % 18446744073709551616)::float8"
        " / 18446744073709551616::float8"
    ),
    "sqlite": "agent_monitor_sampling_u(:salt, e.event_id)",
}
_HOUR_KEY = {"postgresql": "date_trunc('hour', e.ts)", "sqlite": "substr(e.ts, 1, 13)"}
# A left-out draw's bucket, one 64th of [0, 1) (u rounded to 1.0 falls in bucket 64).
_BUCKET = {"postgresql": "FLOOR(a.u * 64)", "sqlite": "CAST(a.u * 64 AS INTEGER)"}
_COLLATE = {"postgresql": ' COLLATE "C"', "sqlite": ""}  # SQLite's default BINARY is byte-wise
_IS_DISTINCT_FROM = {"postgresql": "IS DISTINCT FROM", "sqlite": "IS NOT"}
# bool(str_list(flags)): a non-empty array (or non-blank string) of flags.
_HAS_FLAGS = {
    "postgresql": (
        "COALESCE(CASE jsonb_typeof(e.flags) WHEN 'array' THEN jsonb_array_length(e.flags) > 0"
        " WHEN 'string' THEN btrim(e.flags #>> '{}') <> '' END, FALSE)"
    ),
    "sqlite": (
        "COALESCE(CASE json_type(e.flags) WHEN 'array' THEN json_array_length(e.flags) > 0"
        " WHEN 'text' THEN trim(json_extract(e.flags, '$')) <> '' END, 0)"
    ),
}
# PostgreSQL: OFFSET 0 stops the planner turning an EXISTS into a hash of the whole table.
_PER_ROW = {"postgresql": "OFFSET 0", "sqlite": ""}
DRAWS_WORK_MEM = "256MB"
_ANSWERS = ("low_confidence", "critical_path", "shadow_disagreement", "has_flags")


@cache
def _template() -> str:
    return SQL_FILE.read_text(encoding="utf-8")


def stage_draws(
    connection: Connection, ranges: list[tuple[datetime, datetime]], settings: ReviewSettings,
    critical_paths: CriticalPaths,
) -> None:
    """Stage in `review_draws` the kept draws of the primary responses with ts in any of
    `ranges` ([start, end)); whatever was staged before is dropped."""
    connection.execute(delete(review_draws))
    if not ranges:
        return
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.connection.driver_connection.create_function(  # type: ignore[union-attr]
            "agent_monitor_sampling_u", 2, sampling_u, deterministic=True)
    params: dict[str, Any] = {"salt": settings.salt, "low_confidence_threshold": settings.low_confidence_threshold,
                              "candidates": settings.daily_minimum + 1}
    in_hours, judged_in_hours = [], []
    for i, (start, end) in enumerate(ranges):
        in_hours.append(f"(e.ts >= :start_{i} AND e.ts < :end_{i})")
        judged_in_hours.append(f"(v.target_ts >= :start_{i} AND v.target_ts < :end_{i})")
        params[f"start_{i}"], params[f"end_{i}"] = start, end
    pairs = _critical_pairs(connection, " OR ".join(in_hours), params, critical_paths)
    critical = "1 = 0"
    if pairs:
        critical = "(e.agent_id, e.decision_path) IN (VALUES " + ", ".join(
            f"(:critical_agent_{i}, :critical_path_{i})" for i in range(len(pairs))) + ")"
        for i, (agent, path) in enumerate(pairs):
            params[f"critical_agent_{i}"], params[f"critical_path_{i}"] = agent, path
    sql = _template().format(
        hour_key=_HOUR_KEY[dialect], bucket=_BUCKET[dialect], collate=_COLLATE[dialect],
        u=draw_expression(dialect, settings.salt), critical=critical,
        is_distinct_from=_IS_DISTINCT_FROM[dialect],
        has_flags=_HAS_FLAGS[dialect], per_row=_PER_ROW[dialect], in_hours=" OR ".join(in_hours),
        judged_in_hours=" OR ".join(judged_in_hours),
        pi_cases=rule_probability_cases(settings, params))
    # Memory for the hashed counts and joins over every response of the hours (the default
    # 4 MB spilled a 200k-event hour to disk). Merge joins off: the planner, which cannot
    # estimate the bucket bound, otherwise sorted all the left-out draws to join them to their
    # agent-hour's bound (0.2-0.3 s of a 1M-event hour) instead of hashing the ~100 bounds.
    with work_mem(connection, DRAWS_WORK_MEM), local_setting(connection, "enable_mergejoin", "off"):
        connection.execute(text(sql), params)


def draw_expression(dialect: str, salt: str) -> str:
    """u of the response `e` under `salt`: the draw stored at ingest when `salt` is the one it
    was stored under (and the row has one), else SHA-256 of the event id here."""
    if salt == DEFAULT_SALT:
        return f"COALESCE(e.sampling_u, {_U[dialect]})"
    return _U[dialect]


def rule_probability_cases(settings: ReviewSettings, params: dict[str, Any]) -> str:
    """`WHEN answers THEN π_rule` for the sixteen codes (the answers as bits), bound in `params`."""
    cases = []
    for code, inclusion in enumerate(rule_inclusions(settings)):
        params[f"pi_{code}"] = inclusion.probability
        cases.append(f"WHEN {code} THEN CAST(:pi_{code} AS DOUBLE PRECISION)")
    return " ".join(cases)


def rule_inclusions(settings: ReviewSettings) -> list[Inclusion]:
    """π_rule and its reasons per code: the four answers (`_ANSWERS`) as bits, first the most
    significant, as `answers` holds them in `review_draws`."""
    return [boosted_inclusion(settings, **dict(zip(_ANSWERS, answers, strict=True)))
            for answers in product((False, True), repeat=4)]


def _critical_pairs(
    connection: Connection, in_hours: str, params: dict[str, Any], critical_paths: CriticalPaths
) -> list[tuple[str, str]]:
    """The (agent, decision path) pairs of the hours' responses that are critical for their agent."""
    rows = connection.execute(text(
        "SELECT DISTINCT e.agent_id, e.decision_path FROM raw_events e "
        f"WHERE e.event_type = 'agent_response' AND e.decision_path IS NOT NULL AND ({in_hours})"
    ), params).all()
    paths: dict[str, Collection[str]] = {}
    pairs = []
    for agent, path in rows:
        if agent is None:
            continue
        if agent not in paths:
            paths[agent] = critical_paths(str(agent))
        if path in paths[agent]:
            pairs.append((str(agent), str(path)))
    return sorted(pairs)
