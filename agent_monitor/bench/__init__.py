"""Benchmarks: ingestion, hourly builds, backfill and sensor ticks against their floors."""
