"""Effective rules (catalogue defaults + global + per-agent overrides) and the pure evaluator."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from agent_monitor.lib.alerting.catalogue import (
    CATALOGUE,
    DEFAULT_CONFIDENCE_FLOOR,
    RULE_NAMES,
    Direction,
    ScopeKind,
    Severity,
)
from agent_monitor.lib.config import AgentSettings, MonitorConfig, RuleSettings

Status = Literal["ok", "warning", "critical", "no_data"]


@dataclass(frozen=True)
class EffectiveRule:
    """One rule's settings as they apply to one agent (agent_id None: the global rule)."""

    name: str
    agent_id: str | None
    threshold: float
    direction: Direction
    min_samples: int
    severity: Severity
    scope: ScopeKind
    enabled: bool = True
    warning_threshold: float | None = None
    window_hours: int = 24
    unit: str = "ratio"
    sample_noun: str = "samples"
    title: str = ""
    metric: str = ""
    asset_key: str = ""
    predictive: bool = False
    runbook_url: str = ""
    critical_paths: tuple[str, ...] = ()
    confidence_floor: float | None = None
    max_p_value: float | None = None


@dataclass(frozen=True)
class RuleStatus:
    """The evaluator's verdict: status, the value against the threshold, and a sentence why."""

    status: Status
    value: float | None
    threshold: float
    reason: str
    alertable: bool = True

    @property
    def breaching(self) -> bool:
        """True when the rule breaches and the breach may page someone."""
        return self.alertable and self.status in ("warning", "critical")


@dataclass(frozen=True)
class RuleSet:
    """Global rule overrides plus per-agent overrides, resolved against the catalogue."""

    rules: Mapping[str, RuleSettings] = field(default_factory=dict)
    agents: Mapping[str, AgentSettings] = field(default_factory=dict)
    default_runbook_url: str = ""
    # Each (agent, rule) resolved once: a day of agent_health asks ~30k times. The rules are
    # frozen, so one resolution serves every caller.
    _resolved: dict[tuple[str | None, str], EffectiveRule] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_config(cls, config: MonitorConfig) -> RuleSet:
        """The rule set of a loaded configuration."""
        return cls(config.rules, config.agents, config.links.runbook_url)

    def names(self) -> tuple[str, ...]:
        """Every rule name, in catalogue order."""
        return RULE_NAMES

    def for_agent(self, agent_id: str | None, rule: str) -> EffectiveRule:
        """Catalogue default < `rules.<rule>` < `agents.<agent>.confidence_floor` and rules."""
        resolved = self._resolved.get((agent_id, rule))
        if resolved is None:
            resolved = self._resolved[(agent_id, rule)] = self._resolve(agent_id, rule)
        return resolved

    def _resolve(self, agent_id: str | None, rule: str) -> EffectiveRule:
        if rule not in CATALOGUE:
            raise KeyError(f"unknown rule {rule!r} (known rules: {', '.join(RULE_NAMES)})")
        base = CATALOGUE[rule]
        agent = self.agents.get(agent_id) if agent_id is not None else None
        global_layer = self.rules.get(rule, RuleSettings())
        agent_layer = agent.rules.get(rule, RuleSettings()) if agent else RuleSettings()
        runbook = self.default_runbook_url
        if agent is not None and agent.runbook_url:
            runbook = agent.runbook_url
        merged = EffectiveRule(
            name=base.name, agent_id=agent_id, threshold=base.threshold,
            direction=base.direction, min_samples=base.min_samples, severity=base.severity,
            scope=base.scope, window_hours=base.window_hours, unit=base.unit,
            sample_noun=base.sample_noun, title=base.title, metric=base.metric,
            asset_key=base.asset_key, predictive=base.predictive, runbook_url=runbook,
            critical_paths=tuple(base.options.get("critical_paths", ())),
            max_p_value=base.options.get("max_p_value"),
        )
        merged = _apply(_apply(merged, global_layer), agent_layer)
        if "confidence_floor" in base.options:
            floor = base.options["confidence_floor"]
            for candidate in (
                global_layer.confidence_floor,
                agent.confidence_floor if agent else None,
                agent_layer.confidence_floor,
            ):
                if candidate is not None:
                    floor = candidate
            merged = replace(merged, confidence_floor=floor)
        return merged

    def critical_paths(self, agent_id: str | None) -> tuple[str, ...]:
        """The agent's critical decision paths: where M3 alerts and review sampling boosts."""
        return self.for_agent(agent_id, "m3_decision_disagreement").critical_paths

    def confidence_floor(self, agent_id: str | None) -> float:
        """The agent's P1 confidence floor (default 0.7)."""
        floor = self.for_agent(agent_id, "p1_confidence_drift").confidence_floor
        return DEFAULT_CONFIDENCE_FLOOR if floor is None else floor


def _apply(rule: EffectiveRule, layer: RuleSettings) -> EffectiveRule:
    changes: dict[str, object] = {}
    for name in ("threshold", "warning_threshold", "min_samples", "severity", "enabled",
                 "window_hours", "runbook_url", "critical_paths", "max_p_value"):
        value = getattr(layer, name)
        if value is not None:
            changes[name] = value
    return replace(rule, **changes) if changes else rule  # type: ignore[arg-type]


def format_value(unit: str, value: float | None) -> str:
    """A value as people read it: ratios to 3 decimals, seconds whole, slopes signed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "s":
        return f"{value:.0f} s"
    if unit == "/h":
        return f"{value:+.3f}/h"
    if unit == "sigma":
        return f"{value:.2f}σ"
    if unit == "x":
        return f"{value:.2f}×"
    return f"{value:.3f}"


def _beyond(direction: Direction, value: float, limit: float) -> bool:
    return value > limit if direction == "above" else value < limit


def evaluate(
    rule: EffectiveRule,
    value: float | None,
    n_samples: int | None,
    *,
    decision_path: str | None = None,
    p_value: float | None = None,
) -> RuleStatus:
    """Judge one value: no_data below the minimum sample, else ok / warning / critical."""
    shown = format_value(rule.unit, value)
    limit = format_value(rule.unit, rule.threshold)
    if not rule.enabled:
        return RuleStatus("no_data", value, rule.threshold,
                          f"{rule.name} is disabled in the configuration", alertable=False)
    if value is None or math.isnan(value):
        return RuleStatus("no_data", None, rule.threshold, f"no data for {rule.name} yet")
    if n_samples is None or n_samples < rule.min_samples:
        count = 0 if n_samples is None else n_samples
        return RuleStatus(
            "no_data", value, rule.threshold,
            f"only {count} {rule.sample_noun}, fewer than the {rule.min_samples} required",
        )
    alertable = True
    note = ""
    if rule.scope == "agent_path" and rule.critical_paths and decision_path is not None:
        if decision_path not in rule.critical_paths:
            alertable = False
            note = f"; path {decision_path} is not critical: reported, not alerted"
    word = "above" if rule.direction == "above" else "below"
    opposite = "not above" if rule.direction == "above" else "not below"
    over = f"over {n_samples} {rule.sample_noun}"
    if _beyond(rule.direction, value, rule.threshold):
        if rule.max_p_value is not None and (p_value is None or p_value >= rule.max_p_value):
            shown_p = "unknown" if p_value is None else f"{p_value:.3f}"
            return RuleStatus(
                "ok", value, rule.threshold,
                f"{shown} is {word} {limit} but p = {shown_p} is not below "
                f"{rule.max_p_value:g}, so it is not significant{note}", alertable,
            )
        return RuleStatus(
            rule.severity, value, rule.threshold,
            f"{shown} is {word} the {rule.severity} threshold {limit} {over}{note}", alertable,
        )
    warn = rule.warning_threshold
    if warn is not None and rule.severity == "critical" and _beyond(rule.direction, value, warn):
        return RuleStatus(
            "warning", value, rule.threshold,
            f"{shown} is {word} the warning threshold {format_value(rule.unit, warn)} "
            f"(critical at {limit}) {over}{note}", alertable,
        )
    return RuleStatus("ok", value, rule.threshold,
                      f"{shown} is {opposite} the threshold {limit} {over}{note}", alertable)


def m6_value(mttr_seconds: float | None, oldest_open_age_seconds: float | None) -> float | None:
    """M6's alert value: the larger of the window's MTTR and the oldest open incident's age."""
    known = [v for v in (mttr_seconds, oldest_open_age_seconds) if v is not None]
    return max(known) if known else None
