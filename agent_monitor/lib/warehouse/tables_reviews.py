"""The review queue: one row per sampled primary response (SPEC §5)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Integer, String, Table, Text

from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.types import JsonColumn

# `rule_probability` is π from the sampling rule alone; `inclusion_probability` is the
# item's overall probability of being in the queue, including the daily-minimum top-up
# (docs/reviews.md). M1 weights reviewed responses by 1 / inclusion_probability.
review_queue = Table(
    "review_queue",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("hour", DateTime(), nullable=False),
    Column("day", DateTime(), nullable=False),
    Column("agent_id", String(), nullable=False),
    Column("agent_version", String()),
    Column("session_id", String()),
    Column("trace_id", String()),
    Column("ts", DateTime(), nullable=False),
    Column("confidence", Float()),
    Column("decision_name", String()),
    Column("decision_value", Text()),
    Column("decision_path", String()),
    Column("u", Float(), nullable=False),
    Column("rule_probability", Float(), nullable=False),
    Column("inclusion_probability", Float(), nullable=False),
    Column("reasons", JsonColumn, nullable=False),
    Column("status", String(16), nullable=False),
    Column("verdict", String(32)),
    Column("reviewer", String()),
    Column("reviewed_at", DateTime()),
    Column("review_event_id", String(128)),
    Column("expires_at", DateTime(), nullable=False),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_review_queue_hour", review_queue.c.hour)
Index("ix_review_queue_status_agent", review_queue.c.status, review_queue.c.agent_id)

# What the daily top-up needs from each built hour, so that an hour's build reads only its
# own events (lib/reviews/day_state.py): per agent-hour the primary responses and the rule's
# samples, and the lowest daily_minimum + 1 draws the rule left out (with the columns a queue
# row needs); per hour, the ingestion mark it was read at (the larger last_ingest_id of
# raw_event_hours and review_hours) so that an hour changed since is read again.
review_hour_counts = Table(
    "review_hour_counts",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("agent_id", String(), primary_key=True),
    Column("day", DateTime(), nullable=False),
    Column("n_responses", Integer(), nullable=False),
    Column("n_rule_sampled", Integer(), nullable=False),
)
Index("ix_review_hour_counts_day", review_hour_counts.c.day)

review_candidates = Table(
    "review_candidates",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("hour", DateTime(), nullable=False),
    Column("day", DateTime(), nullable=False),
    Column("agent_id", String(), nullable=False),
    Column("u", Float(), nullable=False),
    Column("rule_probability", Float(), nullable=False),
    Column("reasons", JsonColumn, nullable=False),
    Column("ts", DateTime(), nullable=False),
    Column("agent_version", String()),
    Column("session_id", String()),
    Column("trace_id", String()),
    Column("confidence", Float()),
    Column("decision_name", String()),
    Column("decision_value", Text()),
    Column("decision_path", String()),
)
Index("ix_review_candidates_day_agent", review_candidates.c.day, review_candidates.c.agent_id)
Index("ix_review_candidates_hour", review_candidates.c.hour)

# The rule's draws of the hours a build reads, staged for the length of the build's
# transaction (lib/reviews/draws.py): the queue, its candidates and its counts are written
# from them by INSERT … SELECT. Empty outside a build (builds of the queue are serialised).
review_draws = Table(
    "review_draws",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("ts", DateTime(), nullable=False),
    Column("agent_id", String(), nullable=False),
    Column("u", Float(), nullable=False),
    Column("answers", Integer(), nullable=False),  # the rule's four yes/no answers as bits
    Column("reviewed", Integer(), nullable=False),
    Column("by_rule", Integer(), nullable=False),
    Column("draw_rank", Integer(), nullable=False),
    Column("n_responses", Integer(), nullable=False),
    Column("n_rule_sampled", Integer(), nullable=False),
)

review_hours_read = Table(
    "review_hours_read",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("day", DateTime(), nullable=False),
    Column("ingest_mark", BigInteger(), nullable=False),
)
Index("ix_review_hours_read_day", review_hours_read.c.day)
