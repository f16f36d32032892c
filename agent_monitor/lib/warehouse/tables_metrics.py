"""Hourly rollups: the seven metrics per hour × agent × agent_version, sessions, decisions.

Every rate is stored with its numerator and denominator (`n_…`), so days, weeks and fleets
re-aggregate exactly by summing. A rate whose denominator is 0 is NULL, never 0. An event
without an `agent_version` is rolled up under the empty string. M5, M6, M7 and P3's inputs
are agent-level figures: they live on the agent's row with agent_version '' (where a session
answered by two versions counts once) and are NULL on version rows.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
)

from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.types import JsonColumn

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
    Column("m1_weighted_squared_error_sum", Float()),
    # Σ over the 10 confidence bins of |Σw·c − Σw·y|: ECE numerator (exact only within the hour)
    Column("m1_ece_gap_sum", Float()),
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
    Column("n_late_sessions", Integer()),
    # M3 shadow pairs, summed over decision names and paths (detail: decision_consistency_hourly)
    Column("n_shadow_pairs", Integer()),
    Column("n_shadow_disagreements", Integer()),
    Column("m3_disagreement_rate", Float()),
    # M4 hallucination flags
    Column("n_hallucination_flagged", Integer()),
    # M4 denominator: the row's primary responses when one carries `flags` (a validator ran), else 0.
    Column("n_flag_checked", Integer()),
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
    Column("m6_open_incident_opened_at", DateTime()),
    # True when the look-back began inside an incident: ages and recovery times are lower bounds
    Column("m6_truncated", Boolean()),
    # M7 user escalation
    Column("n_sessions", Integer()),
    Column("n_handoff_sessions", Integer()),
    Column("m7_escalation_rate", Float()),
    Column("n_abandon_sessions", Integer()),
    Column("m7_abandonment_rate", Float()),
    # Latency and tokens
    Column("n_latency", Integer()),
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
    # The moment the row is judged at: the build time while the hour is still filling, else
    # the hour's end. Nothing after it has been counted (no stall, incident age or session
    # minute that had not happened yet).
    Column("as_of", DateTime()),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_agent_metrics_hourly_agent", agent_metrics_hourly.c.agent_id, agent_metrics_hourly.c.hour)

# M6's reduced outcomes per hour (sql/metrics/recovery_outcomes.sql: the outcomes an hour's
# replay can react to, a function of that hour's events alone), kept by the build of the hour
# so that later hours read their 24-hour look-back here instead of from raw_events
# (lib/rollup/recovery_state.py). `m6_hours_read` holds the ingestion mark
# (raw_event_hours.last_ingest_id) each hour was read at: an hour whose mark has moved since
# is read from raw_events again.
m6_hour_outcomes = Table(
    "m6_hour_outcomes",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("agent_id", String(), nullable=False),
    Column("ts_epoch", Float(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("success", Boolean(), nullable=False),
)

m6_hours_read = Table(
    "m6_hours_read",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("ingest_mark", BigInteger(), nullable=False),
    Column("built_at", DateTime(), nullable=False),
)

# One row per session, written by the partition of the hour of the session's last event.
session_coherence = Table(
    "session_coherence",
    metadata,
    Column("session_id", String(), primary_key=True),
    Column("hour", DateTime(), nullable=False),
    Column("agent_ids", JsonColumn, nullable=False),
    Column("first_ts", DateTime(), nullable=False),
    Column("last_ts", DateTime(), nullable=False),
    Column("n_events", Integer(), nullable=False),
    Column("n_responses", Integer(), nullable=False),
    Column("max_turn", Integer()),
    Column("n_late_responses", Integer(), nullable=False),
    Column("early_refs", Integer(), nullable=False),
    Column("recent_refs", Integer(), nullable=False),
    Column("coherence_ratio", Float()),
    Column("reasked_fields", JsonColumn, nullable=False),
    Column("n_reasked_fields", Integer(), nullable=False),
    Column("n_reask_requests", Integer(), nullable=False),
    Column("contradicted_facts", JsonColumn, nullable=False),
    Column("n_contradicted_facts", Integer(), nullable=False),
    Column("flagged", Boolean(), nullable=False),
    Column("flag_reasons", JsonColumn, nullable=False),
    Column("built_at", DateTime(), nullable=False),
    # [{kind, turn, event_id, detail}]: each finding and the turn it points to.
    Column("findings", JsonColumn),
)
Index("ix_session_coherence_hour", session_coherence.c.hour)

# Hour × agent × decision name × path ('' when the response named no path).
decision_consistency_hourly = Table(
    "decision_consistency_hourly",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("agent_id", String(), primary_key=True),
    Column("decision_name", String(), primary_key=True),
    Column("decision_path", String(), primary_key=True),
    Column("n_shadow_pairs", Integer(), nullable=False),
    Column("n_shadow_disagreements", Integer(), nullable=False),
    Column("disagreement_rate", Float()),
    Column("n_repeated_groups", Integer(), nullable=False),
    Column("n_repeated_responses", Integer(), nullable=False),
    Column("n_repeated_agreeing", Integer(), nullable=False),
    Column("repeated_agreement", Float()),
    Column("built_at", DateTime(), nullable=False),
)
Index(
    "ix_decision_consistency_agent",
    decision_consistency_hourly.c.agent_id,
    decision_consistency_hourly.c.hour,
)
