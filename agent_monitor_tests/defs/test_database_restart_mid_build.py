"""PostgreSQL restarted in the middle of a materialization: the run fails, the re-run is exact."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.conftest import POSTGRES_URL
from agent_monitor_tests.events import response, write_jsonl

_MATERIALIZE = """
import sys
import dagster as dg
from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.defs.reviews.assets import review_queue
url, config, key = sys.argv[1:4]
result = dg.materialize(
    [raw_events, review_queue], selection=[review_queue], partition_key=key, raise_on_error=False,
    resources={"warehouse": Warehouse(url=url), "settings": MonitorSettings(path=config), "clock": Clock(fixed_now="2026-01-07T00:00:00Z")},
)
sys.exit(0 if result.success else 1)
"""


def _materialize(url: str, config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _MATERIALIZE, url, str(config), "2026-01-05-10:00"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _queue(url: str) -> list[tuple[str, float, str]]:
    engine = open_warehouse(url)
    with engine.connect() as connection:
        rows = connection.execute(select(review_queue.c.event_id, review_queue.c.inclusion_probability,
                                         review_queue.c.status).order_by(review_queue.c.event_id)).all()
    engine.dispose()
    return [(r[0], round(r[1], 12), r[2]) for r in rows]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_restart_mid_build_fails_the_run_and_the_re_run_builds_what_a_clean_run_builds(
    postgres_url: str, other_postgres_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("review:\n  base_rate: 1.0\n  daily_minimum: 0\n")
    events = [response(f"r{i}", f"2026-01-05T10:{i:02d}:00Z", session_id=f"s{i}") for i in range(20)]
    for url in (postgres_url, other_postgres_url):
        engine = open_warehouse(url)
        ingest_path(engine, write_jsonl(tmp_path / "events.jsonl", events))
        engine.dispose()
    # The clean run, in its own schema.
    clean = _materialize(other_postgres_url, config)
    clean.communicate(timeout=300)
    assert clean.returncode == 0
    expected = _queue(other_postgres_url)
    assert [r[0] for r in expected] == sorted(f"r{i}" for i in range(20))  # base rate 1: all sampled

    # Hold the rebuild lock so the run stops mid-build (inside its transaction, after its
    # reads); then cut its connections as a restart would, and let go.
    engine = open_warehouse(postgres_url)
    holder = engine.connect()
    holder.execute(text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema() || '.review_queue'))"),
                   {"key": 0x61676D72})
    run = _materialize(f"{postgres_url}&application_name=am_mid_build", config)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + 120
        waiting = 0
        while time.monotonic() < deadline and not waiting:
            with admin.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'am_mid_build' "
                    "AND wait_event_type = 'Lock'")).scalar_one()
            time.sleep(0.05)
        assert waiting, "the run never reached its write"
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'am_mid_build'"))
        run.communicate(timeout=300)
    finally:
        holder.rollback()
        holder.close()
        admin.dispose()
    assert run.returncode == 1
    assert _queue(postgres_url) == []  # nothing half-written

    rerun = _materialize(postgres_url, config)
    rerun.communicate(timeout=300)
    assert rerun.returncode == 0
    assert _queue(postgres_url) == expected
    engine.dispose()
