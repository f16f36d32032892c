"""Correctness gates on the hourly metric tables: rates in bounds, numerators ≤ denominators."""

import dagster as dg
from sqlalchemy import Table, func, or_, select

from agent_monitor.defs.metrics.assets import (
    agent_metrics_hourly,
    decision_consistency_hourly,
    session_coherence,
)
from agent_monitor.defs.resources import Warehouse
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as metrics_table
from agent_monitor.lib.warehouse.tables_metrics import (
    decision_consistency_hourly as decisions_table,
)
from agent_monitor.lib.warehouse.tables_metrics import session_coherence as sessions_table

RATES = (
    "m1_mean_confidence",
    "m1_accuracy",
    "m1_divergence",
    "m1_ece",
    "m1_brier",
    "m2_coherence_ratio",
    "m3_disagreement_rate",
    "m4_hallucination_rate",
    "m5_completion_rate",
    "m7_escalation_rate",
    "m7_abandonment_rate",
)
# m2_coherence_ratio is Σearly / Σrecent: it can exceed 1, so it is only checked for ≥ 0.
UNBOUNDED_ABOVE = {"m2_coherence_ratio"}
PAIRS = (
    ("n_error_responses", "n_responses"),
    ("n_hallucination_flagged", "n_flag_checked"),
    ("n_flag_checked", "n_responses"),
    ("n_reviewed", "n_responses"),
    ("n_late_responses", "n_responses"),
    ("n_shadow_disagreements", "n_shadow_pairs"),
    ("n_runs_completed", "n_runs_ended"),
    ("n_handoff_sessions", "n_sessions"),
    ("n_abandon_sessions", "n_sessions"),
    ("n_confidence", "n_responses"),
)


def _count(warehouse: Warehouse, table: Table, condition) -> int:  # type: ignore[no-untyped-def]
    with warehouse.engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(table).where(condition)
            ).scalar_one()
        )


def _out_of_bounds(table: Table, columns: tuple[str, ...]):  # type: ignore[no-untyped-def]
    conditions = []
    for name in columns:
        column = table.c[name]
        conditions.append(column < 0)
        if name not in UNBOUNDED_ABOVE:
            conditions.append(column > 1)
    return or_(*conditions)


@dg.asset_check(asset=agent_metrics_hourly, blocking=True)
def agent_metrics_hourly_rates_within_bounds(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Every rate is in [0, 1] or NULL (the coherence ratio only ≥ 0)."""
    bad = _count(warehouse, metrics_table, _out_of_bounds(metrics_table, RATES))
    return dg.AssetCheckResult(passed=bad == 0, metadata={"rows_out_of_bounds": bad})


@dg.asset_check(asset=agent_metrics_hourly, blocking=True)
def agent_metrics_hourly_numerators_le_denominators(warehouse: Warehouse) -> dg.AssetCheckResult:
    """No numerator exceeds its denominator, and no count is negative."""
    conditions = [metrics_table.c[num] > metrics_table.c[den] for num, den in PAIRS]
    conditions += [metrics_table.c[col] < 0 for pair in PAIRS for col in pair]
    bad = _count(warehouse, metrics_table, or_(*conditions))
    return dg.AssetCheckResult(passed=bad == 0, metadata={"violating_rows": bad})


@dg.asset_check(asset=agent_metrics_hourly, blocking=True)
def agent_metrics_hourly_rates_null_without_denominator(
    warehouse: Warehouse,
) -> dg.AssetCheckResult:
    """A rate whose denominator is 0 is NULL, never 0."""
    t = metrics_table
    conditions = [
        (t.c.n_flag_checked == 0) & t.c.m4_hallucination_rate.is_not(None),
        (t.c.n_responses == 0) & t.c.m4_hallucination_rate.is_not(None),
        (t.c.n_sessions == 0) & t.c.m7_escalation_rate.is_not(None),
        (t.c.n_runs_ended == 0) & t.c.m5_completion_rate.is_not(None),
        (t.c.n_shadow_pairs == 0) & t.c.m3_disagreement_rate.is_not(None),
        (t.c.n_reviewed == 0) & t.c.m1_divergence.is_not(None),
        (t.c.n_incidents_recovered == 0) & t.c.m6_mttr_seconds.is_not(None),
    ]
    bad = _count(warehouse, t, or_(*conditions))
    return dg.AssetCheckResult(passed=bad == 0, metadata={"violating_rows": bad})


@dg.asset_check(asset=decision_consistency_hourly, blocking=True)
def decision_consistency_hourly_counts_consistent(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Disagreements ≤ pairs, agreeing ≤ responses, and rates in [0, 1] or NULL."""
    t = decisions_table
    condition = or_(
        t.c.n_shadow_disagreements > t.c.n_shadow_pairs,
        t.c.n_repeated_agreeing > t.c.n_repeated_responses,
        t.c.disagreement_rate < 0,
        t.c.disagreement_rate > 1,
        t.c.repeated_agreement < 0,
        t.c.repeated_agreement > 1,
    )
    bad = _count(warehouse, t, condition)
    return dg.AssetCheckResult(passed=bad == 0, metadata={"violating_rows": bad})


@dg.asset_check(asset=session_coherence, blocking=True)
def session_coherence_late_responses_le_responses(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Late responses ≤ responses, and first_ts ≤ last_ts, for every session."""
    t = sessions_table
    condition = or_(t.c.n_late_responses > t.c.n_responses, t.c.first_ts > t.c.last_ts)
    bad = _count(warehouse, t, condition)
    return dg.AssetCheckResult(passed=bad == 0, metadata={"violating_rows": bad})
