"""Re-delivery and interrupted runs: nothing stored twice, nothing lost, the ledger balances."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, func, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events, raw_events
from agent_monitor_tests.events import response
from agent_monitor_tests.lib.ingest.progress import wait_until_accepted


def _count(engine: Engine, table) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _mixed_lines(n_good: int, n_bad: int) -> bytes:
    """`n_good` events with `n_bad` distinct bad lines (three kinds in turn) spread among them."""
    good = [orjson.dumps(response(f"g{i}", "2026-01-05T10:00:00Z", turn=i)) for i in range(1, n_good + 1)]
    bad = []
    for i in range(n_bad):
        kind = i % 3
        if kind == 0:
            bad.append(f'{{"event_id": "b{i}", "event_type": '.encode())
        elif kind == 1:
            bad.append(orjson.dumps(response(f"b{i}", "2026-01-05T10:00:00Z", turn=0)))
        else:
            bad.append(orjson.dumps(response(f"b{i}", "20260105T100000Z")))
    step = max(1, n_good // n_bad)
    lines: list[bytes] = []
    for i, line in enumerate(good):
        lines.append(line)
        if i % step == step - 1 and bad:
            lines.append(bad.pop(0))
    return b"\n".join(lines + bad) + b"\n"


def test_a_plain_or_gzip_copy_of_a_file_changes_nothing(warehouse_engine: Engine, tmp_path: Path) -> None:
    data = _mixed_lines(40, 30)
    original = tmp_path / "events.jsonl"
    original.write_bytes(data)
    first = ingest_path(warehouse_engine, original)
    assert (first.lines_read, first.accepted, first.duplicates, first.quarantined) == (70, 40, 0, 30)
    plain = tmp_path / "copy.jsonl"
    plain.write_bytes(data)
    packed = tmp_path / "copy.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    for copy in (plain, packed):
        again = ingest_path(warehouse_engine, copy)
        assert (again.lines_read, again.accepted, again.duplicates, again.quarantined) == (70, 0, 70, 0)
    assert (_count(warehouse_engine, raw_events), _count(warehouse_engine, quarantined_events)) == (40, 30)


def test_two_identical_bad_lines_in_one_file_are_one_row_and_one_duplicate(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"not json\nnot json\n")
    result = ingest_path(warehouse_engine, path, batch_size=1)
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (2, 0, 1, 1)


_INGEST = """
import sys
from pathlib import Path
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
ingest_path(open_warehouse(sys.argv[1]), Path(sys.argv[2]), batch_size=200)
"""


@pytest.mark.slow
def test_a_run_killed_mid_file_is_resumed_by_the_next_ingestion(warehouse_url: str, tmp_path: Path) -> None:
    n_good, n_bad = 60_000, 3_000
    path = tmp_path / "big.jsonl"
    path.write_bytes(_mixed_lines(n_good, n_bad))
    engine = open_warehouse(warehouse_url)
    process = subprocess.Popen([sys.executable, "-c", _INGEST, warehouse_url, str(path)])
    try:
        wait_until_accepted(engine, 2_000)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with engine.connect() as connection:
        killed = connection.execute(select(ingestion_ledger)).one()
    assert killed.status == "running"
    assert 2_000 <= killed.accepted < n_good  # killed mid-file, after some batches committed
    assert killed.quarantined >= 90
    assert killed.lines_read == killed.accepted + killed.duplicates + killed.quarantined
    assert _count(engine, raw_events) == killed.accepted

    result = ingest_path(engine, path)
    with engine.connect() as connection:
        rows = connection.execute(select(ingestion_ledger).order_by(ingestion_ledger.c.ingest_id)).all()
    assert [r.status for r in rows] == ["failed", "complete"]
    assert rows[0].error.startswith("interrupted")
    # The re-run reads the whole file: what the killed run stored counts as duplicates.
    assert result.lines_read == n_good + n_bad
    assert result.accepted + killed.accepted == n_good
    assert result.quarantined + killed.quarantined == n_bad
    assert result.duplicates == killed.accepted + killed.quarantined
    assert (_count(engine, raw_events), _count(engine, quarantined_events)) == (n_good, n_bad)
    engine.dispose()
