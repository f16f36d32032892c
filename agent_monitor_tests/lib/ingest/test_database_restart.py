"""A PostgreSQL restart between ingestions: the next ingestion reconnects, nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events, raw_events
from agent_monitor_tests.conftest import POSTGRES_URL
from agent_monitor_tests.events import response, write_jsonl
from agent_monitor_tests.lib.ingest.progress import wait_until_accepted


def test_ingestion_survives_the_server_dropping_every_connection(postgres_url: str, tmp_path: Path) -> None:
    # A name for this test's connections, so only they are cut (not the fixture's own).
    engine = open_warehouse(f"{postgres_url}&application_name=am_restart_test")
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z")]))
    # What a restart does to clients: every open connection of the pool is cut.
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        cut = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'am_restart_test'"
        )).scalar_one()
    admin.dispose()
    assert cut >= 1
    second = ingest_path(engine, write_jsonl(tmp_path / "b.jsonl", [response("r2", "2026-01-05T10:01:00Z")]))
    assert (second.accepted, second.duplicates) == (1, 0)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(raw_events)).scalar_one() == 2
    engine.dispose()


_INGEST = """
import sys
from pathlib import Path
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
ingest_path(open_warehouse(sys.argv[1]), Path(sys.argv[2]), batch_size=200)
"""


@pytest.mark.slow
def test_a_restart_mid_ingest_fails_the_run_and_the_re_run_resumes_without_loss(
    postgres_url: str, tmp_path: Path
) -> None:
    n_good = 60_000
    lines = [response(f"r{i}", "2026-01-05T10:00:00Z", turn=i + 1) for i in range(n_good)]
    for i in range(0, n_good, 100):  # a bad line every 100 events: 600 in all
        lines.insert(i + i // 100, {"event_id": f"bad{i}", "event_type": "agent_response"})
    path = write_jsonl(tmp_path / "big.jsonl", lines)
    app = f"{postgres_url}&application_name=am_mid_ingest"
    engine = open_warehouse(postgres_url)
    process = subprocess.Popen([sys.executable, "-c", _INGEST, app, str(path)], stderr=subprocess.PIPE, text=True)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        wait_until_accepted(engine, 2_000)
        deadline = time.monotonic() + 120
        # What a restart does to clients: every open connection of the ingesting process is
        # cut, again and again until the process gives up (a connection cut while idle in the
        # pool is replaced by the pre-ping; one cut inside a transaction fails the run).
        cut = 0
        while process.poll() is None and time.monotonic() < deadline:
            with admin.connect() as connection:
                cut += connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'am_mid_ingest'"
                )).scalar_one()
            time.sleep(0.05)
        _, err = process.communicate(timeout=120)
    finally:
        admin.dispose()
    assert cut >= 1
    assert process.returncode != 0 and ("OperationalError" in err or "InterfaceError" in err), err[-2000:]
    with engine.connect() as connection:
        failed = connection.execute(select(ingestion_ledger)).one()
        stored = connection.execute(select(func.count()).select_from(raw_events)).scalar_one()
    # `failed`, or still `running` when the failure could not be written either (the next
    # ingestion resolves it).
    assert failed.status in ("failed", "running") and 2_000 <= failed.accepted < n_good
    assert stored == failed.accepted  # what the ledger says was committed, and nothing more

    again = ingest_path(engine, path)
    assert again.lines_read == n_good + 600
    assert again.accepted == n_good - failed.accepted
    assert again.duplicates == failed.accepted + failed.quarantined
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(raw_events)).scalar_one() == n_good
        assert connection.execute(select(func.count()).select_from(quarantined_events)).scalar_one() == 600
    engine.dispose()
