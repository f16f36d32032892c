"""agent_health rows: each rule's status for an agent and hour, and the overall status."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.alerting.rules import RuleSet, RuleStatus, evaluate
from agent_monitor.lib.health.values import (
    METRIC_RULES,
    RuleValue,
    edge_values,
    metric_values,
    path_values,
    signal_values,
)

HOUR = timedelta(hours=1)
# The rate rules, whose minimum is a sample size per window (M6's is one incident: a fact).
SCALED_MINIMUM_RULES = frozenset(METRIC_RULES) - {"m6_recovery_time"}
# Worst first: the overall status is the first of these that any rule has.
STATUS_ORDER: tuple[str, ...] = ("critical", "warning", "ok", "no_data")


def overall_status(statuses: Sequence[str]) -> str:
    """Worst status among the rules; no_data only when every rule is no_data (or none exist)."""
    for status in STATUS_ORDER:
        if status in statuses:
            return status
    return "no_data"


def _judge(
    rules: RuleSet, agent_id: str, measured: RuleValue, windows: Mapping[str, int] | None = None
) -> tuple[dict[str, Any], str]:
    rule = rules.for_agent(agent_id, measured.rule)
    if windows is not None and measured.rule in SCALED_MINIMUM_RULES:
        # A still-filling hour's window is one hour longer: its minimum sample grows with it,
        # so the window judges no agent that whole hours would not (a 1-hour rule needing 100
        # responses needs 200 over the hour before and the minutes since).
        scaled = math.ceil(rule.min_samples * windows[measured.rule] / (windows[measured.rule] - 1))
        rule = replace(rule, min_samples=scaled)
    verdict: RuleStatus = evaluate(rule, measured.value, measured.n_samples,
                                   decision_path=measured.decision_path,
                                   p_value=measured.p_value)
    if measured.veto is not None and verdict.status in ("warning", "critical"):
        verdict = RuleStatus("ok", verdict.value, verdict.threshold,
                             f"{verdict.reason}, {measured.veto}", verdict.alertable)
    reason = verdict.reason
    if measured.hours_to_breach is not None and rule.confidence_floor is not None:
        reason += (f"; the fitted line reaches the confidence floor {rule.confidence_floor:g} "
                   f"in {measured.hours_to_breach:.1f} h")
    row = {
        "agent_id": agent_id,
        "rule": measured.rule,
        "scope": measured.scope,
        "status": verdict.status,
        "severity": rule.severity,
        "value": measured.value,
        "threshold": verdict.threshold,
        "direction": rule.direction,
        "n_samples": measured.n_samples,
        "min_samples": rule.min_samples,
        "hours_to_breach": measured.hours_to_breach,
        "reason": reason,
    }
    # A breach that may not page (a non-critical decision path) does not colour the agent.
    counted = verdict.status if verdict.alertable or verdict.status == "no_data" else "ok"
    return row, counted


def rule_windows(rules: RuleSet, agent_id: str | None) -> dict[str, int]:
    """The trailing window (hours) of each metric rule (M1–M7) for the agent."""
    return {name: rules.for_agent(agent_id, name).window_hours for name in METRIC_RULES}


def agent_health_rows(
    hour: datetime,
    agent_id: str,
    metric_hours: Mapping[datetime, Mapping[str, Any]],
    signals: Mapping[str, Any] | None,
    edges: Sequence[Mapping[str, Any]],
    rules: RuleSet,
    path_hours: Mapping[tuple[datetime, str], Mapping[str, int]] | None = None,
    filling: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per rule (and per scope) plus the 'overall' row, for one agent and hour.

    M3 is judged per decision path from `path_hours` (decision_consistency_hourly) when the
    window has shadow pairs there; otherwise one agent-wide row from the rollup's totals.

    `filling` is the moment the hour is judged at when it has not ended yet. A few minutes of
    an hour are too few to judge a rate on, so each metric rule's window then takes in the
    previous whole hour as well (a 1-hour rate becomes the last hour and the minutes since),
    and `signals` are expected to be the last complete hour's: P1–P3 compare whole hours.
    The rate rules' minimum samples grow with their windows (`_judge`).
    """
    windows = rule_windows(rules, agent_id)
    if filling is not None:
        windows = {rule: hours + 1 for rule, hours in windows.items()}
    scaled = windows if filling is not None else None
    measured = metric_values(metric_hours, hour, windows)
    per_path = path_values(path_hours or {}, hour, windows["m3_decision_disagreement"])
    if per_path:
        measured = [m for m in measured if m.rule != "m3_decision_disagreement"] + per_path
    signal_rows = signal_values(signals)
    measured += [*signal_rows, *edge_values(edges)]
    from_signals = {value.rule for value in signal_rows}
    rows: list[dict[str, Any]] = []
    counted: list[tuple[str, str]] = []
    for value in measured:
        row, status = _judge(rules, agent_id, value, scaled)
        if filling is not None:
            row["reason"] += _filling_note(value.rule, hour, filling, from_signals)
        rows.append(row)
        counted.append((status, value.rule if not value.scope else f"{value.rule}[{value.scope}]"))
    worst = overall_status([s for s, _ in counted])
    breaching = [f"{name} ({s})" for s, name in counted if s in ("critical", "warning")]
    with_data = sum(1 for s, _ in counted if s != "no_data")
    if breaching:
        reason = f"{len(breaching)} rule(s) breaching: {', '.join(breaching)}"
    elif with_data:
        reason = f"all {with_data} rule(s) with enough data are ok"
    else:
        reason = "no rule has enough data"
    rows.append({
        "agent_id": agent_id, "rule": "overall", "scope": "", "status": worst,
        "severity": None, "value": None, "threshold": None, "direction": None,
        "n_samples": with_data, "min_samples": None, "hours_to_breach": None, "reason": reason,
    })
    return [{"hour": hour, **row} for row in rows]


def _filling_note(rule: str, hour: datetime, filling: datetime, signal_rules: set[str]) -> str:
    if rule in signal_rules:
        return f" (the hour {hour - HOUR:%H:00}, the last complete one: this hour is still filling)"
    if rule in METRIC_RULES:
        return (f" (with the hour before: this hour is still filling, judged as of "
                f"{filling:%H:%M})")
    return f" (as of {filling:%H:%M}: this hour is still filling)"
