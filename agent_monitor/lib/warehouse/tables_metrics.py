"""Hourly rollups: the seven metrics per hour × agent × agent_version.

Every rate is stored with its numerator and denominator (`n_…`), so days, weeks and fleets
re-aggregate exactly by summing. A rate whose denominator is 0 is NULL, never 0. An event
without an `agent_version` is rolled up under the empty string.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, Table

from agent_monitor.lib.warehouse.metadata import metadata

agent_metrics_hourly = Table(
    "agent_metrics_hourly",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("agent_id", String(), primary_key=True),
    Column("agent_version", String(), primary_key=True),
    Column("n_responses", Integer(), nullable=False),
    Column("n_error_responses", Integer()),
    # M1 confidence–accuracy divergence (reviewed responses, weighted by 1/π)
    Column("n_reviewed", Integer()),
    Column("m1_weight_sum", Float()),
    Column("m1_weighted_confidence_sum", Float()),
    Column("m1_weighted_correct_sum", Float()),
    Column("m1_mean_confidence", Float()),
    Column("m1_accuracy", Float()),
    Column("m1_divergence", Float()),
    Column("m1_signed_gap", Float()),
    Column("m1_ece", Float()),
    Column("m1_brier", Float()),
    # M2 context coherence (responses at turn ≥ 50)
    Column("n_late_responses", Integer()),
    Column("m2_early_refs", Integer()),
    Column("m2_recent_refs", Integer()),
    Column("m2_coherence_ratio", Float()),
    # M3 shadow pairs, summed over decision names and paths (detail: decision_consistency_hourly)
    Column("n_shadow_pairs", Integer()),
    Column("n_shadow_disagreements", Integer()),
    # M4 hallucination flags
    Column("n_hallucination_flagged", Integer()),
    Column("m4_hallucination_rate", Float()),
    # M5 workflow completion (runs in which the agent ran a step, counted in the hour they ended)
    Column("n_runs_ended", Integer()),
    Column("n_runs_completed", Integer()),
    Column("m5_completion_rate", Float()),
    # M6 recovery time
    Column("n_incidents_recovered", Integer()),
    Column("m6_recovery_seconds_sum", Float()),
    Column("m6_mttr_seconds", Float()),
    Column("m6_open_incident_age_seconds", Float()),
    # M7 user escalation
    Column("n_sessions", Integer()),
    Column("n_handoff_sessions", Integer()),
    Column("m7_escalation_rate", Float()),
    Column("n_abandon_sessions", Integer()),
    Column("m7_abandonment_rate", Float()),
    # Latency and tokens
    Column("latency_p50_ms", Float()),
    Column("latency_p95_ms", Float()),
    Column("input_tokens_sum", BigInteger()),
    Column("output_tokens_sum", BigInteger()),
    # Inputs of the predictive signals, as sums and counts (means = sum / n)
    Column("n_confidence", Integer()),
    Column("confidence_sum", Float()),
    Column("n_entropy", Integer()),
    Column("entropy_sum", Float()),
    Column("n_hedging", Integer()),
    Column("hedging_sum", Float()),
    Column("n_trigram", Integer()),
    Column("trigram_sum", Float()),
    Column("n_output_tokens", Integer()),
    Column("user_turns", Integer()),
    Column("active_session_minutes", Float()),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_agent_metrics_hourly_agent", agent_metrics_hourly.c.agent_id, agent_metrics_hourly.c.hour)
