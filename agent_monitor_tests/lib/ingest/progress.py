"""Waiting for an ingestion running in another process to get part-way through its file."""

from __future__ import annotations

import time

from sqlalchemy import Engine, func, select

from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger


def wait_until_accepted(engine: Engine, at_least: int, timeout_s: float = 120) -> None:
    """Return once the ledger counts `at_least` accepted events (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            accepted = connection.execute(select(func.sum(ingestion_ledger.c.accepted))).scalar() or 0
        if accepted >= at_least:
            return
        time.sleep(0.02)
