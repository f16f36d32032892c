"""agent_health rows as lifecycle Evaluations, and the alert messages for notifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.alert_store.health import example_traces, trend
from agent_monitor.lib.alerting.blocks import AlertContext, SlackMessage, alert_message
from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.alerting.lifecycle import AlertScope, Evaluation, Notification
from agent_monitor.lib.alerting.rules import RuleSet, RuleStatus
from agent_monitor.lib.config import LinkSettings

PARTITION_KEY_FORMAT = "%Y-%m-%d-%H:%M"  # the Dagster hourly partition key


def scope_of(row: Mapping[str, Any]) -> AlertScope:
    """The alert scope of an agent_health row ('' / decision path / "U->D")."""
    agent_id, scope = row["agent_id"], row["scope"] or ""
    kind = CATALOGUE[row["rule"]].scope
    if kind == "edge":
        prefix = f"{agent_id}->"
        downstream = scope[len(prefix):] if scope.startswith(prefix) else scope.split("->")[-1]
        return AlertScope(agent_id, downstream_agent=downstream)
    if kind == "agent_path" and scope:
        return AlertScope(agent_id, decision_path=scope)
    return AlertScope(agent_id)


def scope_label(scope: AlertScope) -> str:
    """How a message names the scope: `billing`, `billing · path approval`, `gw → billing`."""
    if scope.downstream_agent is not None:
        return f"{scope.agent_id} → {scope.downstream_agent}"
    if scope.decision_path is not None:
        return f"{scope.agent_id} · path {scope.decision_path}"
    return scope.agent_id


def evaluation_of(row: Mapping[str, Any], rules: RuleSet) -> Evaluation | None:
    """The Evaluation of one agent_health row (None for a rule the catalogue does not know).

    agent_health stores the status; whether it may page is re-derived from the rule: a disabled
    rule never pages, and M3 pages only on its critical paths.
    """
    if row["rule"] not in CATALOGUE:
        return None
    scope = scope_of(row)
    rule = rules.for_agent(row["agent_id"], row["rule"])
    alertable = rule.enabled
    if rule.scope == "agent_path" and rule.critical_paths and scope.decision_path is not None:
        alertable = alertable and scope.decision_path in rule.critical_paths
    threshold = row["threshold"] if row["threshold"] is not None else rule.threshold
    status = RuleStatus(row["status"], row["value"], threshold, row["reason"] or "", alertable)
    return Evaluation(row["rule"], scope, status)


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
