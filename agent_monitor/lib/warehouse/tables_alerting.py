"""Alerting tables: `alerts` (one row per alert key × episode), the outbox, and silences."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, String, Table, Text

from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.types import JsonColumn

# One row per episode of an alert key (rule, scope). `scope_key` is the scope half of the key
# (`agent=billing`, `agent=billing;path=approval`, `edge=gateway->billing`); `scope` is the
# agent_health scope ('' / decision path / "U->D"). The delivery columns mirror the newest
# notification of the episode; `delivery_status` is pending, delivered, undelivered,
# silenced, inhibited or none (nothing to send).
alerts = Table(
    "alerts",
    metadata,
    Column("rule", String(), primary_key=True),
    Column("scope_key", String(), primary_key=True),
    Column("episode", Integer(), primary_key=True),
    Column("alert_key", String(), nullable=False),
    Column("agent_id", String(), nullable=False),
    Column("scope", String(), nullable=False, default=""),
    Column("state", String(16), nullable=False),  # firing / resolved
    Column("severity", String(16), nullable=False),
    Column("value", Float()),
    Column("threshold", Float()),
    Column("reason", Text()),
    Column("hour", DateTime()),  # the agent_health hour last evaluated
    Column("first_seen", DateTime(), nullable=False),
    Column("last_seen", DateTime(), nullable=False),
    Column("resolved_at", DateTime()),
    Column("notified_at", DateTime()),
    Column("notified_severity", String(16)),
    Column("notification_seq", Integer(), nullable=False, default=0),
    Column("inhibited_by", String()),
    Column("silenced_by", String()),
    Column("last_action", String(16)),
    Column("delivery_status", String(16)),
    Column("delivery_attempts", Integer(), nullable=False, default=0),
    Column("slack_ts", String(32)),
    Column("delivery_error", Text()),
    Column("updated_at", DateTime(), nullable=False),
)
Index("ix_alerts_state", alerts.c.state, alerts.c.rule)
Index("ix_alerts_agent", alerts.c.agent_id)

# The outbox: every message to send, written before it is sent (docs/alerting.md).
alert_notifications = Table(
    "alert_notifications",
    metadata,
    Column("idempotency_key", String(), primary_key=True),
    Column("rule", String(), nullable=False),
    Column("scope_key", String(), nullable=False),
    Column("episode", Integer(), nullable=False),
    Column("agent_id", String(), nullable=False),
    Column("kind", String(16), nullable=False),  # fire / repeat / resolve / digest
    Column("sequence", Integer(), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("severity", String(16)),
    Column("value", Float()),
    Column("threshold", Float()),
    Column("reason", Text()),
    Column("text", Text(), nullable=False),
    Column("blocks", JsonColumn),
    Column("status", String(16), nullable=False),  # pending / delivered
    Column("attempts", Integer(), nullable=False, default=0),
    Column("last_attempt_at", DateTime()),
    Column("last_error", Text()),
    Column("permanent_error", Boolean()),
    Column("delivered_at", DateTime()),
    Column("slack_channel", String()),
    Column("slack_ts", String(32)),
    Column("already_posted", Boolean()),
    # Wall-clock UTC until which a post of this message may still land in Slack (a timed-out
    # or interrupted send): the history check that decides whether to post again waits for it.
    Column("post_may_land_until", DateTime()),
)
Index("ix_alert_notifications_status", alert_notifications.c.status,
      alert_notifications.c.created_at)

# Silences: a matcher on rule and agent (shell-style globs), a time range, reason and author.
silences = Table(
    "silences",
    metadata,
    Column("silence_id", String(64), primary_key=True),
    Column("rule", String(), nullable=False, default="*"),
    Column("agent", String(), nullable=False, default="*"),
    Column("starts_at", DateTime(), nullable=False),
    Column("ends_at", DateTime(), nullable=False),
    Column("reason", Text(), nullable=False),
    Column("author", String(), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("expired_at", DateTime()),  # set when ended early by hand
)
Index("ix_silences_ends_at", silences.c.ends_at)
