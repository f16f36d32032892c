"""The review sampler's rule for the hours a build reads, computed in the database.

`sql/reviews/hour_draws.sql` computes every primary response's draw u and π_rule where the
events are and stages in `review_draws` only what the queue and the day state need: the
rule's samples, per hour × agent the daily_minimum + 1 lowest left-out draws, and the
reviewed responses, each with its hour × agent's counts. u is SHA-256 in the database
(PostgreSQL's `sha256`; on SQLite the Python function registered on the connection); π_rule
and its reasons are chosen among the sixteen values `boosted_inclusion` gives for the four
yes/no answers, so both are exactly the values `lib/sampling.py` defines (`rule_samples`
there stays the reference the tests compare with). `lib/reviews/staged.py` writes the queue
and its day state from the staged rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import product
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Float, Integer, delete, text

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.selection import CriticalPaths, Sampled
from agent_monitor.lib.sampling import Inclusion, boosted_inclusion, sampling_u
from agent_monitor.lib.warehouse.local_settings import work_mem
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_reviews import review_draws

SQL_FILE = Path(__file__).resolve().parents[3] / "sql" / "reviews" / "hour_draws.sql"
HourAgent = tuple[datetime, str]

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


@dataclass
class HourDraws:
    """What the rule gives the hours read, reduced to the rows that can enter the queue."""

    sampled: list[Sampled] = field(default_factory=list)
    # Per hour × agent, the lowest daily_minimum + 1 left-out draws, lowest first.
    candidates: list[Sampled] = field(default_factory=list)
    # Left-out responses that have a review (some are candidates too).
    reviewed_left_out: list[Sampled] = field(default_factory=list)
    counts: dict[HourAgent, tuple[int, int]] = field(default_factory=dict)  # (responses, rule samples)
    reviewed_ids: list[str] = field(default_factory=list)


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
    in_hours = []
    for i, (start, end) in enumerate(ranges):
        in_hours.append(f"(e.ts >= :start_{i} AND e.ts < :end_{i})")
        params[f"start_{i}"], params[f"end_{i}"] = start, end
    pairs = _critical_pairs(connection, " OR ".join(in_hours), params, critical_paths)
    critical = "1 = 0"
    if pairs:
        critical = "(e.agent_id, e.decision_path) IN (VALUES " + ", ".join(
            f"(:critical_agent_{i}, :critical_path_{i})" for i in range(len(pairs))) + ")"
        for i, (agent, path) in enumerate(pairs):
            params[f"critical_agent_{i}"], params[f"critical_path_{i}"] = agent, path
    sql = _template().format(
        hour_key=_HOUR_KEY[dialect], collate=_COLLATE[dialect], u=_U[dialect], critical=critical,
        is_distinct_from=_IS_DISTINCT_FROM[dialect],
        has_flags=_HAS_FLAGS[dialect], per_row=_PER_ROW[dialect], in_hours=" OR ".join(in_hours),
        pi_cases=rule_probability_cases(settings, params))
    # The ranking sorts every response of the hours: in memory, not in temporary files (the
    # default 4 MB spilled a 200k-event hour to disk; 1M events sort in ~64 MB).
    with work_mem(connection, DRAWS_WORK_MEM):
        connection.execute(text(sql), params)


def rule_probability_cases(settings: ReviewSettings, params: dict[str, Any]) -> str:
    """`WHEN answers THEN π_rule` for the sixteen codes (the answers as bits), bound in `params`."""
    inclusions = _inclusions(settings)
    cases = []
    for code, answers in enumerate(product((False, True), repeat=4)):
        params[f"pi_{code}"] = inclusions[answers].probability
        cases.append(f"WHEN {code} THEN CAST(:pi_{code} AS DOUBLE PRECISION)")
    return " ".join(cases)


def rule_reasons(settings: ReviewSettings) -> list[tuple[str, ...]]:
    """The rule's reasons per code (the four answers as bits, as `answers` holds them)."""
    inclusions = _inclusions(settings)
    return [inclusions[answers].reasons for answers in product((False, True), repeat=4)]


def hour_draws(
    connection: Connection, ranges: list[tuple[datetime, datetime]], settings: ReviewSettings,
    critical_paths: CriticalPaths,
) -> HourDraws:
    """The staged draws of `ranges` as items (with the responses' queue columns), the staging
    table left empty: what a build writes from, in Python's terms."""
    stage_draws(connection, ranges, settings, critical_paths)
    statement = text(
        "SELECT d.event_id, d.ts, d.agent_id, d.u, d.answers, d.reviewed, d.by_rule, d.draw_rank, d.n_responses,"
        " d.n_rule_sampled, e.agent_version, e.session_id, e.trace_id, e.confidence, e.decision_name,"
        " e.decision_value, e.decision_path"
        " FROM review_draws d JOIN raw_events e ON e.event_id = d.event_id"
    ).columns(ts=DateTime(), u=Float(), confidence=Float(), n_responses=Integer(), n_rule_sampled=Integer(),
              draw_rank=Integer())
    rows = result_dicts(connection.execute(statement))
    connection.execute(delete(review_draws))
    return _reduce(rows, _inclusions(settings), settings.daily_minimum + 1)


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


def _inclusions(settings: ReviewSettings) -> dict[tuple[bool, ...], Inclusion]:
    """π_rule and its reasons for each of the sixteen combinations of the four answers."""
    return {answers: boosted_inclusion(settings, **dict(zip(_ANSWERS, answers, strict=True)))
            for answers in product((False, True), repeat=4)}


def _reduce(rows: list[dict[str, Any]], inclusions: dict[tuple[bool, ...], Inclusion], candidates: int) -> HourDraws:
    out = HourDraws()
    by_code = list(inclusions.values())  # in product order: index = the answers as bits
    for row in sorted(rows, key=lambda r: (r["ts"], r["event_id"])):
        inclusion = by_code[int(row["answers"])]
        item = Sampled(
            event_id=str(row["event_id"]), agent_id=str(row["agent_id"]), ts=row["ts"], u=row["u"],
            rule_probability=inclusion.probability, inclusion_probability=inclusion.probability,
            reasons=inclusion.reasons, row=row,
        )
        hour = item.ts.replace(minute=0, second=0, microsecond=0)
        out.counts[(hour, item.agent_id)] = (int(row["n_responses"]), int(row["n_rule_sampled"]))
        if row["reviewed"]:
            out.reviewed_ids.append(item.event_id)
        if row["by_rule"]:
            out.sampled.append(item)
            continue
        if row["draw_rank"] <= candidates:
            out.candidates.append(item)
        if row["reviewed"]:
            out.reviewed_left_out.append(item)
    out.candidates.sort(key=lambda item: (item.ts.replace(minute=0, second=0, microsecond=0), item.agent_id,
                                          item.u, item.event_id))
    return out
