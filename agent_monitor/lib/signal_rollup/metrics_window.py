"""Read agent_metrics_hourly over a window, summed across agent versions per hour × agent."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly, decision_consistency_hourly

# Numerators and denominators: summed across versions (and later across hours) exactly.
SUMMED_COLUMNS: tuple[str, ...] = (
    "n_responses", "n_reviewed", "m1_weight_sum", "m1_weighted_confidence_sum",
    "m1_weighted_correct_sum", "n_late_responses", "m2_early_refs", "m2_recent_refs",
    "n_shadow_pairs", "n_shadow_disagreements", "n_hallucination_flagged", "n_flag_checked",
    "n_runs_ended",
    "n_runs_completed", "n_incidents_recovered", "m6_recovery_seconds_sum", "n_sessions",
    "n_handoff_sessions", "n_abandon_sessions", "n_confidence", "confidence_sum", "n_entropy",
    "entropy_sum", "n_hedging", "hedging_sum", "n_trigram", "trigram_sum", "n_output_tokens",
    "output_tokens_sum", "user_turns", "active_session_minutes",
)
# Ages are not additive: the oldest open incident of any version.
MAXED_COLUMNS: tuple[str, ...] = ("m6_open_incident_age_seconds",)

AgentHours = dict[str, dict[datetime, dict[str, Any]]]


def read_agent_hours(
    connection: Connection, start: datetime, end: datetime, only: Collection[str] | None = None
) -> AgentHours:
    """{agent: {hour: {column: value}}} for hours in [start, end); NULL sums stay None.

    `only`: read just these of the summed and maxed columns (and not `as_of`), e.g. the
    inputs of the drift signals over their 168-hour baselines.
    """
    table = agent_metrics_hourly
    columns = [func.sum(table.c[name]).label(name) for name in SUMMED_COLUMNS if only is None or name in only]
    columns += [func.max(table.c[name]).label(name) for name in MAXED_COLUMNS if only is None or name in only]
    if only is None:
        # The moment the hour was judged at (earlier than its end while it was still filling).
        columns.append(func.min(table.c.as_of).label("as_of"))
    query = (
        select(table.c.agent_id, table.c.hour, *columns)
        .where(table.c.hour >= start, table.c.hour < end)
        .group_by(table.c.agent_id, table.c.hour)
        .order_by(table.c.agent_id, table.c.hour)
    )
    names = [c.name for c in columns]
    result: AgentHours = {}
    for agent_id, hour, *values in connection.execute(query).all():
        result.setdefault(agent_id, {})[hour] = {
            name: _plain(v) if v.__class__ is Decimal else v for name, v in zip(names, values, strict=True)}
    return result


def _plain(value: Any) -> Any:
    """PostgreSQL sums BIGINT columns to NUMERIC (Decimal); the maths wants int and float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def total(hours: Mapping[datetime, Mapping[str, Any]], column: str) -> float | None:
    """Sum of a column over the given hours; None when no hour has a value."""
    values = [h[column] for h in hours.values() if h.get(column) is not None]
    return float(sum(values)) if values else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when the denominator is missing or 0 (no data)."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


PathHours = dict[str, dict[tuple[datetime, str], dict[str, int]]]


def read_path_hours(connection: Connection, start: datetime, end: datetime) -> PathHours:
    """{agent: {(hour, decision path): shadow pairs and disagreements}} summed over decision names."""
    table = decision_consistency_hourly
    query = (
        select(table.c.agent_id, table.c.hour, table.c.decision_path,
               func.sum(table.c.n_shadow_pairs).label("n_shadow_pairs"),
               func.sum(table.c.n_shadow_disagreements).label("n_shadow_disagreements"))
        .where(table.c.hour >= start, table.c.hour < end)
        .group_by(table.c.agent_id, table.c.hour, table.c.decision_path)
    )
    result: PathHours = {}
    for agent, hour, path, pairs, disagreements in connection.execute(query):
        result.setdefault(agent, {})[(hour, path or "")] = {
            "n_shadow_pairs": int(pairs or 0), "n_shadow_disagreements": int(disagreements or 0)}
    return result
