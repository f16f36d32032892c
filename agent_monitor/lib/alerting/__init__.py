"""Alerting: rule catalogue and evaluation, alert lifecycle, Slack messages and delivery."""

from agent_monitor.lib.alerting.blocks import AlertContext, SlackMessage, alert_message, escape
from agent_monitor.lib.alerting.catalogue import CATALOGUE, RULE_NAMES, RuleDefinition
from agent_monitor.lib.alerting.delivery import (
    DeliveryResult,
    OutboundMessage,
    SlackNotifier,
    client_from_env,
)
from agent_monitor.lib.alerting.digest import AgentHealth, FiringAlert, digest_message
from agent_monitor.lib.alerting.lifecycle import (
    AlertRow,
    AlertScope,
    Evaluation,
    Notification,
    Transition,
    transition,
)
from agent_monitor.lib.alerting.rules import EffectiveRule, RuleSet, RuleStatus, evaluate
from agent_monitor.lib.alerting.silences import Inhibition, Silence, firing_roots

__all__ = [
    "CATALOGUE", "RULE_NAMES", "AgentHealth", "AlertContext", "AlertRow", "AlertScope",
    "DeliveryResult", "EffectiveRule", "Evaluation", "FiringAlert", "Inhibition",
    "Notification", "OutboundMessage", "RuleDefinition", "RuleSet", "RuleStatus", "Silence",
    "SlackMessage", "SlackNotifier", "Transition", "alert_message", "client_from_env",
    "digest_message", "escape", "evaluate", "firing_roots", "transition",
]
