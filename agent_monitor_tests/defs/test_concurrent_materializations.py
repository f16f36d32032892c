"""Two materializations of one partition meet at their write: the second waits, both succeed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.conftest import POSTGRES_URL
from agent_monitor_tests.defs.test_database_restart_mid_build import _materialize, _queue
from agent_monitor_tests.events import response, write_jsonl


@pytest.mark.slow
@pytest.mark.postgres
def test_two_materializations_held_at_their_write_both_succeed(postgres_url: str, tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("review:\n  base_rate: 1.0\n  daily_minimum: 0\n")
    engine = open_warehouse(postgres_url)
    events = [response(f"r{i}", f"2026-01-05T10:{i:02d}:00Z", session_id=f"s{i}") for i in range(20)]
    ingest_path(engine, write_jsonl(tmp_path / "events.jsonl", events))
    # Hold the rebuild lock so both runs reach their write (reads done, transaction open) and
    # meet there: before the lock existed, the second one failed on review_queue_pkey.
    holder = engine.connect()
    holder.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema() || '.review_queue'))"),
                   {"key": 0x61676D72})
    runs = [_materialize(f"{postgres_url}&application_name=am_twin_build", config) for _ in range(2)]
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + 180
        waiting = 0
        while time.monotonic() < deadline and waiting < 2:
            with admin.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'am_twin_build' "
                    "AND wait_event_type = 'Lock'")).scalar_one()
            time.sleep(0.05)
        assert waiting == 2, "both runs should be waiting at their write"
    finally:
        holder.rollback()
        holder.close()
        admin.dispose()
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for _, err in outputs]
    # Base rate 1: every response sampled once, whichever run wrote last.
    assert [row[0] for row in _queue(postgres_url)] == sorted(f"r{i}" for i in range(20))
    engine.dispose()
