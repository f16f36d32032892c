"""Format adapters: turn OpenTelemetry GenAI spans and tau-bench/tau2 logs into SPEC §1 events."""
