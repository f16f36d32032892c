"""Alerting: rule catalogue and evaluation, alert lifecycle, Slack messages and delivery."""
