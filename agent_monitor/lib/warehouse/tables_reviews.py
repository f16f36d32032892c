"""The review queue: one row per sampled primary response (SPEC §5)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, String, Table, Text

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
