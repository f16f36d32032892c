"""The alert messages of notifications (Block Kit, with trend, traces and partition link)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.alert_store.health import example_traces, trend
from agent_monitor.lib.alerting.blocks import AlertContext, SlackMessage, alert_message
from agent_monitor.lib.alerting.evaluation import scope_label
from agent_monitor.lib.alerting.lifecycle import Evaluation, Notification
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import LinkSettings

PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"  # the Dagster hourly partition key


def build_message(
    connection: Connection, note: Notification, evaluation: Evaluation,
    row: Mapping[str, Any], rules: RuleSet, links: LinkSettings, first_seen: Any,
) -> SlackMessage:
    """The Block Kit message of a notification, with trend, traces and partition link."""
    hour = row["hour"]
    rule = rules.for_agent(row["agent_id"], note.rule)
    context = AlertContext(
        kind=note.kind, rule=rule, scope_label=scope_label(evaluation.scope),
        severity=note.severity, value=note.value, threshold=note.threshold, reason=note.reason,
        trend=trend(connection, row["agent_id"], note.rule, row["scope"] or "", hour),
        projected_hours_to_breach=row.get("hours_to_breach"),
        partition_key=hour.strftime(PARTITION_KEY_FORMAT),
        trace_ids=example_traces(connection, row["agent_id"], hour),
        first_seen=first_seen,
    )
    return alert_message(context, links)
