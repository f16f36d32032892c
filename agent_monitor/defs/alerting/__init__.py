"""Alerting wiring: the alert sensor over agent_health and the digest schedule."""
