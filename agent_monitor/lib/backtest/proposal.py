"""A proposed rule configuration for a backtest: the config with one rule's settings replaced."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from agent_monitor.lib.alerting.catalogue import CATALOGUE, RULE_NAMES
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.alerting.validation import check_alerting_config
from agent_monitor.lib.config import ConfigError, MonitorConfig, RuleSettings

OVERRIDABLE = ("threshold", "min_samples", "severity")


@dataclass(frozen=True)
class Proposal:
    """Which rule(s) to backtest and the settings to try instead of the configured ones.

    The settings apply to every agent: they replace the rule's global settings and any
    per-agent override of the same keys, so "threshold 0.03" means 0.03 for everyone.
    """

    rule: str | None = None  # None: every rule, as configured
    threshold: float | None = None
    min_samples: int | None = None
    severity: str | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules whose episodes the backtest reports."""
        return (self.rule,) if self.rule else RULE_NAMES

    @property
    def changes(self) -> dict[str, Any]:
        """The proposed settings that differ from "as configured"."""
        return {k: getattr(self, k) for k in OVERRIDABLE if getattr(self, k) is not None}

    def apply(self, config: MonitorConfig) -> MonitorConfig:
        """The configuration to evaluate; ConfigError (naming the key) if it is not valid."""
        if self.rule is not None and self.rule not in CATALOGUE:
            raise ConfigError(f"rule {self.rule!r}: unknown rule (known rules: {', '.join(RULE_NAMES)})")
        changes = self.changes
        if not changes:
            return config
        if self.rule is None:
            raise ConfigError(f"{', '.join(changes)}: a proposed setting needs the rule it is for")
        rule = self.rule
        rules = {**config.rules, rule: replace(config.rules.get(rule, RuleSettings()), **changes)}
        agents = {
            agent_id: replace(agent, rules={**agent.rules, rule: replace(agent.rules[rule], **changes)})
            if rule in agent.rules else agent
            for agent_id, agent in config.agents.items()
        }
        proposed = replace(config, rules=rules, agents=agents)
        check_alerting_config(proposed)
        return proposed

    def describe(self, config: MonitorConfig) -> str:
        """E.g. `threshold 0.03 (configured 0.02), min_samples 100, severity warning`."""
        if self.rule is None:
            return "every rule as configured"
        configured = RuleSet.from_config(config).for_agent(None, self.rule)
        proposed = RuleSet.from_config(self.apply(config)).for_agent(None, self.rule)
        parts = []
        for key in OVERRIDABLE:
            now, before = getattr(proposed, key), getattr(configured, key)
            parts.append(f"{key} {now:g}" if isinstance(now, float) else f"{key} {now}")
            if now != before:
                parts[-1] += f" (configured {before:g})" if isinstance(before, float) else f" (configured {before})"
        return ", ".join(parts)
