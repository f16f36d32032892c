"""Warehouse glue for alerting: alert rows, the outbox, silences, and the alert tick."""
