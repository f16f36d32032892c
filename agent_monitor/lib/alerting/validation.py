"""Checks of the rules/agents/slack/digest config sections that need the rule catalogue."""

from __future__ import annotations

from collections.abc import Mapping

from agent_monitor.lib.alerting.catalogue import CATALOGUE, RULE_NAMES, SEVERITIES
from agent_monitor.lib.config import (
    SLACK_CHANNEL_ID,
    ConfigError,
    MonitorConfig,
    RuleSettings,
)

# Options that only some rules take; every other rule rejects them.
RULE_SPECIFIC_OPTIONS = {
    "critical_paths": "m3_decision_disagreement",
    "confidence_floor": "p1_confidence_drift",
    "max_p_value": "c2_cascade_risk",
}


def check_alerting_config(config: MonitorConfig) -> None:
    """Raise ConfigError naming the first offending key of the alerting sections."""
    _check_rule_map(config.rules, "rules", {})
    for agent_id, agent in config.agents.items():
        where = f"agents.{agent_id}"
        _check_unit_interval(agent.confidence_floor, f"{where}.confidence_floor")
        _check_rule_map(agent.rules, f"{where}.rules", config.rules)
    _check_slack(config)


def _check_rule_map(
    rules: Mapping[str, RuleSettings], where: str, inherited: Mapping[str, RuleSettings]
) -> None:
    for name, settings in rules.items():
        dotted = f"{where}.{name}"
        if name not in CATALOGUE:
            raise ConfigError(f"{dotted}: unknown rule (known rules: {', '.join(RULE_NAMES)})")
        _check_rule(name, settings, dotted, inherited.get(name, RuleSettings()))


def _check_rule(name: str, settings: RuleSettings, dotted: str, inherited: RuleSettings) -> None:
    base = CATALOGUE[name]
    for option, owner in RULE_SPECIFIC_OPTIONS.items():
        if getattr(settings, option) is not None and owner != name:
            raise ConfigError(f"{dotted}.{option}: unknown key for this rule (only {owner})")
    if settings.severity is not None and settings.severity not in SEVERITIES:
        raise ConfigError(
            f"{dotted}.severity: expected warning or critical, got {settings.severity!r}"
        )
    low, high = base.threshold_range
    for key in ("threshold", "warning_threshold"):
        value = getattr(settings, key)
        if value is None:
            continue
        if (low is not None and value < low) or (high is not None and value > high):
            shown_low = "-inf" if low is None else f"{low:g}"
            shown_high = "inf" if high is None else f"{high:g}"
            raise ConfigError(
                f"{dotted}.{key}: {value:g} is outside [{shown_low}, {shown_high}]"
            )
    for key, least in (("min_samples", 0), ("window_hours", 1)):
        value = getattr(settings, key)
        if value is not None and value < least:
            raise ConfigError(f"{dotted}.{key}: must be at least {least}")
    _check_unit_interval(settings.confidence_floor, f"{dotted}.confidence_floor")
    if settings.max_p_value is not None and not 0 < settings.max_p_value <= 1:
        raise ConfigError(f"{dotted}.max_p_value: expected a number in (0, 1]")
    if settings.critical_paths is not None and not settings.critical_paths:
        raise ConfigError(f"{dotted}.critical_paths: expected at least one path")
    _check_warning_side(name, settings, dotted, inherited)


def _check_warning_side(
    name: str, settings: RuleSettings, dotted: str, inherited: RuleSettings
) -> None:
    base = CATALOGUE[name]
    threshold = _first(settings.threshold, inherited.threshold, base.threshold)
    warning = _first(settings.warning_threshold, inherited.warning_threshold)
    severity = settings.severity or inherited.severity or base.severity
    if threshold is None or warning is None:
        return
    if severity != "critical":
        raise ConfigError(
            f"{dotted}.warning_threshold: only meaningful when the severity is critical"
        )
    wrong_side = warning >= threshold if base.direction == "above" else warning <= threshold
    if wrong_side:
        side = "below" if base.direction == "above" else "above"
        raise ConfigError(
            f"{dotted}.warning_threshold: {warning:g} must be {side} the threshold {threshold:g} "
            f"(the rule alerts when the value is {base.direction} it)"
        )


def _first(*values: float | None) -> float | None:
    for value in values:
        if value is not None:
            return value
    return None


def _check_unit_interval(value: float | None, dotted: str) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ConfigError(f"{dotted}: expected a number in [0, 1], got {value:g}")


def _check_slack(config: MonitorConfig) -> None:
    slack, digest = config.slack, config.digest
    for dotted, channel in (("slack.channel", slack.channel), ("digest.channel", digest.channel)):
        if channel and not SLACK_CHANNEL_ID.match(channel):
            raise ConfigError(
                f"{dotted}: expected a channel ID such as C0123456789, got {channel!r} "
                "(names cannot be used: the delivery check reads conversations.history)"
            )
    if slack.base_url and not slack.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"slack.base_url: expected an http(s) URL, got {slack.base_url!r}")
    for key in ("timeout_seconds", "max_retry_wait_seconds", "repeat_interval_hours"):
        if getattr(slack, key) <= 0:
            raise ConfigError(f"slack.{key}: must be greater than 0")
    if slack.max_attempts_per_tick < 1:
        raise ConfigError("slack.max_attempts_per_tick: must be at least 1")
    if digest.period_hours < 1:
        raise ConfigError("digest.period_hours: must be at least 1")
    if len(digest.cron_schedule.split()) != 5:
        raise ConfigError(
            f"digest.cron_schedule: expected 5 cron fields, got {digest.cron_schedule!r}"
        )
