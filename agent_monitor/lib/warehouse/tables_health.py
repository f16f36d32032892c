"""Per hour × agent, the status of every rule, and the overall status (rule = 'overall')."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from agent_monitor.lib.warehouse.metadata import metadata

agent_health = Table(
    "agent_health",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("agent_id", String(), primary_key=True),
    Column("rule", String(), primary_key=True),
    # '' for agent-scoped rules; the decision path for M3; the edge "upstream->downstream" for C2.
    Column("scope", String(), primary_key=True),
    Column("status", String(16), nullable=False),  # ok, warning, critical, no_data
    Column("severity", String(16)),
    Column("value", Float()),
    Column("threshold", Float()),
    Column("direction", String(8)),  # above / below
    Column("n_samples", Integer()),
    Column("min_samples", Integer()),
    Column("hours_to_breach", Float()),
    Column("reason", Text()),
    # The moment the hour is judged at: the build time while the hour is still filling, else
    # the hour's end (SPEC §8).
    Column("as_of", DateTime()),
    Column("built_at", DateTime(), nullable=False),
)
Index("ix_agent_health_status", agent_health.c.hour, agent_health.c.status)
