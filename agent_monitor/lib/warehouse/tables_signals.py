"""Predictive signals per hour × agent, failure chains per root failure, cascade edges per hour."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, String, Table

from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.types import JsonColumn


def _spike_columns(prefix: str) -> list[Column]:
    """Current hourly mean, its baseline over the preceding hours, and the spike flag."""
    return [
        Column(f"{prefix}_mean", Float()),
        Column(f"{prefix}_baseline_mean", Float()),
        Column(f"{prefix}_baseline_std", Float()),
        Column(f"{prefix}_threshold", Float()),
        Column(f"{prefix}_baseline_hours", Integer()),
        Column(f"{prefix}_z", Float()),
        Column(f"{prefix}_spike", Boolean()),
    ]


drift_signals_hourly = Table(
    "drift_signals_hourly",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("agent_id", String(), primary_key=True),
    # P1 confidence drift velocity over the trailing 6 hours
    Column("n_confidence", Integer()),
    Column("mean_confidence", Float()),
    Column("p1_hours_used", Integer()),
    Column("p1_slope_per_hour", Float()),
    Column("p1_intercept_now", Float()),  # the fitted line's value at this hour
    Column("p1_confidence_floor", Float()),
    Column("p1_hours_to_breach", Float()),
    Column("p1_threshold", Float()),
    Column("p1_breach", Boolean()),
    # P2 output entropy (logprobs) and, without logprobs, the text proxies
    *_spike_columns("entropy"),
    *_spike_columns("output_tokens"),
    *_spike_columns("hedging"),
    *_spike_columns("trigram"),
    Column("p2_source", String(16)),  # entropy | proxies | NULL (no data)
    Column("p2_signal", String(16)),  # which series gave p2_z
    # The smaller z of the last two hours: P2 breaches when one series stays above its
    # threshold for two consecutive hours (docs/signals.md).
    Column("p2_z", Float()),
    Column("p2_baseline_hours", Integer()),
    Column("p2_breach", Boolean()),
    # P3 turn acceleration
    Column("user_turns", Integer()),
    Column("active_session_minutes", Float()),
    Column("turn_rate", Float()),
    Column("turn_rate_baseline", Float()),
    Column("p3_baseline_hours", Integer()),
    Column("p3_acceleration", Float()),
    Column("p3_threshold", Float()),
    Column("p3_breach", Boolean()),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_drift_signals_hourly_agent", drift_signals_hourly.c.agent_id, drift_signals_hourly.c.hour)

failure_chains = Table(
    "failure_chains",
    metadata,
    Column("workflow_run_id", String(), primary_key=True),
    Column("root_step_id", String(), primary_key=True),
    Column("root_hour", DateTime(), nullable=False),  # the partition: the hour of root_ts
    Column("workflow_id", String()),
    Column("root_agent_id", String(), nullable=False),
    Column("root_status", String(32), nullable=False),
    Column("root_ts", DateTime(), nullable=False),
    Column("affected_step_ids", JsonColumn),
    Column("affected_agents", JsonColumn),  # other agents than the root's own
    Column("blast_radius", Integer(), nullable=False),
    Column("run_status", String(32)),  # the run's terminal workflow_run status, if any
    Column("run_completed", Boolean()),  # NULL while the run has no terminal status
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_failure_chains_root_hour", failure_chains.c.root_hour)

cascade_correlations = Table(
    "cascade_correlations",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("upstream_agent_id", String(), primary_key=True),
    Column("downstream_agent_id", String(), primary_key=True),
    Column("window_start", DateTime(), nullable=False),
    Column("window_end", DateTime(), nullable=False),
    Column("n_buckets", Integer(), nullable=False),
    Column("r", Float()),
    Column("p_value", Float()),
    Column("cascade_risk", Boolean(), nullable=False),
    # Buckets (among the n_buckets) with a failure of each agent, and of both: a cascade risk
    # needs at least 3 buckets in which both failed (docs/signals.md).
    Column("upstream_failing_buckets", Integer()),
    Column("downstream_failing_buckets", Integer()),
    Column("co_failing_buckets", Integer()),
    Column("upstream_steps", Integer()),
    Column("upstream_failed", Integer()),
    Column("downstream_steps", Integer()),
    Column("downstream_failed", Integer()),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_cascade_correlations_upstream", cascade_correlations.c.upstream_agent_id,
      cascade_correlations.c.hour)
