"""Per-rule agent health: metric windows and signals judged against the alert rules."""

from agent_monitor.lib.health.build import STATUS_ORDER, agent_health_rows, overall_status
from agent_monitor.lib.health.values import RuleValue, metric_values

__all__ = ["STATUS_ORDER", "RuleValue", "agent_health_rows", "metric_values", "overall_status"]
