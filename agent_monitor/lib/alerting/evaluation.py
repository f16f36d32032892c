"""One alert tick's decisions: agent_health rows judged as Evaluations, then the lifecycle.

The alert sensor (lib/alert_store/tick.py) and `agent-monitor backtest` both call
`decide_tick`: the same rule evaluation, inhibition, silences and transitions, whether the
result is written to `alerts` and Slack or kept in memory as a proposed configuration's history.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.alerting.lifecycle import (
    AlertRow,
    AlertScope,
    Evaluation,
    Transition,
    transition,
)
from agent_monitor.lib.alerting.rules import RuleSet, RuleStatus
from agent_monitor.lib.alerting.silences import INHIBITED_RULES, Inhibition, Silence, firing_roots

HOUR = timedelta(hours=1)
# The agents directly upstream of each agent, as of a moment (read only when inhibition can apply).
Topology = Callable[[datetime], Mapping[str, Collection[str]]]


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


@dataclass(frozen=True)
class Decision:
    """What one tick decided for one (rule, scope): the evaluation, its health row, the change."""

    evaluation: Evaluation
    health_row: Mapping[str, Any]
    change: Transition


def decide_tick(
    health: Sequence[Mapping[str, Any]],
    previous: Mapping[tuple[str, str], AlertRow],
    rules: RuleSet,
    now: datetime,
    *,
    silences: Iterable[Silence],
    topology: Topology,
    repeat_interval: timedelta,
) -> list[Decision]:
    """Judge each agent's latest health rows against the newest alert episodes at `now`.

    Firing roots are the breaching C2/M6 evaluations plus firing root alerts without fresh
    data (held open); the topology is read only when a root fires.
    """
    evaluated = [(e, row) for row in health if (e := evaluation_of(row, rules)) is not None]
    seen = {(e.rule, e.scope.key) for e, _ in evaluated if e.status.status != "no_data"}
    firing = [(e.rule, e.scope.agent_id) for e, _ in evaluated if e.status.breaching]
    firing += [(r.rule, r.agent_id) for key, r in previous.items()
               if r.state == "firing" and key not in seen]
    roots = firing_roots(firing)
    upstream: Mapping[str, Collection[str]] = {}
    if roots and any(e.rule in INHIBITED_RULES for e, _ in evaluated):
        upstream = topology(max(row["hour"] for _, row in evaluated) + HOUR)
    inhibition = Inhibition(roots, upstream)
    silence_list = list(silences)
    return [
        Decision(evaluation, row, transition(
            previous.get((evaluation.rule, evaluation.scope.key)), evaluation, now,
            silences=silence_list, inhibition=inhibition, repeat_interval=repeat_interval))
        for evaluation, row in evaluated
    ]
