"""Stage 1: sources → raw_events."""
