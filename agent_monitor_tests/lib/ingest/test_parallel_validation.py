"""Lines validated by worker processes: the same warehouse as inline, and a dead worker loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.ingest import parallel
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.ingest.records import SourceRecord
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events, raw_events
from agent_monitor_tests.lib.ingest.fuzz import generate

# Columns that name the ingestion run, not the event.
_RUN_COLUMNS = {"ingest_id", "ingested_at"}


def _events(engine: Engine) -> dict[str, dict[str, Any]]:
    columns = [c for c in raw_events.columns if c.name not in _RUN_COLUMNS]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns)).mappings().all()
    return {row["event_id"]: {k: _plain(v) for k, v in row.items()} for row in rows}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _fuzz_file(tmp_path: Path) -> tuple[Path, list[Any]]:
    lines = generate()
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(line.raw for line in lines) + b"\n\n")  # and one blank line
    return path, lines


def test_workers_give_the_same_warehouse_as_validating_inline(warehouse_engine: Engine, tmp_path: Path) -> None:
    path, lines = _fuzz_file(tmp_path)
    # Batches of 37 lines over two workers: many round trips, the last batch short.
    result = ingest_path(warehouse_engine, path, batch_size=37, validation_workers=2)

    accepted = sorted(line.event_id for line in lines if line.outcome == "accept")
    bad = [(i, line.outcome) for i, line in enumerate(lines, start=1) if line.outcome not in ("accept", "duplicate")]
    n_duplicates = sum(line.outcome == "duplicate" for line in lines)
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined, result.blank_lines) == (
        len(lines), len(accepted), n_duplicates, len(bad), 1
    )
    with warehouse_engine.connect() as connection:
        quarantine = connection.execute(
            select(quarantined_events.c.location, quarantined_events.c.reason).order_by(quarantined_events.c.location)
        ).all()
    assert [tuple(row) for row in quarantine] == bad
    parallel_events = _events(warehouse_engine)
    assert sorted(parallel_events) == accepted

    inline_engine = open_warehouse(f"sqlite:///{tmp_path / 'inline.db'}")
    try:
        inline = ingest_path(inline_engine, path, batch_size=37, validation_workers=0)
        assert (inline.accepted, inline.quarantined) == (result.accepted, result.quarantined)
        inline_events = _events(inline_engine)
    finally:
        inline_engine.dispose()
    # Every column of every event as validating inline writes it (each line at its own location).
    assert parallel_events == inline_events


def test_a_worker_that_dies_fails_the_run_and_the_next_run_adds_the_rest(
    warehouse_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(
        b'{"event_id":"e%d","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s%d","turn":1}\n'
        % (n, n) for n in range(300)
    ))
    # The worker answers the first batch of 50 and exits with code 3 when handed the second.
    monkeypatch.setattr(parallel, "WORKER_MODULE", "agent_monitor_tests.lib.ingest.dying_worker")
    with pytest.raises(parallel.WorkerFailed, match="exited with code 3"):
        ingest_path(warehouse_engine, path, batch_size=50, validation_workers=1)
    with warehouse_engine.connect() as connection:
        ledger = connection.execute(select(ingestion_ledger.c.status, ingestion_ledger.c.error,
                                           ingestion_ledger.c.accepted)).one()
        stored = connection.execute(select(raw_events.c.event_id)).scalars().all()
    assert ledger.status == "failed" and "WorkerFailed" in ledger.error and ledger.accepted == 50
    assert sorted(stored) == sorted(f"e{n}" for n in range(50))

    monkeypatch.undo()
    again = ingest_path(warehouse_engine, path, batch_size=50, validation_workers=1)
    assert (again.lines_read, again.accepted, again.duplicates, again.quarantined) == (300, 250, 50, 0)
    with warehouse_engine.connect() as connection:
        stored = connection.execute(select(raw_events.c.event_id)).scalars().all()
    assert sorted(stored) == sorted(f"e{n}" for n in range(300))


@pytest.mark.parametrize(("cpus", "size", "workers"), [
    (2, parallel.PARALLEL_MIN_BYTES - 1, 0),  # a small file: validated inline
    (2, parallel.PARALLEL_MIN_BYTES, 1),
    (1, parallel.PARALLEL_MIN_BYTES, 0),  # one CPU: nothing to overlap with
    (16, 10 * parallel.PARALLEL_MIN_BYTES, 4),
])
def test_workers_are_started_for_large_files_on_several_cpus(
    monkeypatch: pytest.MonkeyPatch, cpus: int, size: int, workers: int
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    assert parallel.worker_count(size) == workers


def test_a_negative_worker_count_is_refused(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(b'{"event_id":"a","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":1}\n')
    with pytest.raises(ValueError, match="validation_workers must be None or at least 0, got -1"):
        ingest_path(warehouse_engine, path, validation_workers=-1)


def _worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", parallel.WORKER_MODULE],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_worker_answers_each_batch_in_order_and_exits_when_its_input_ends() -> None:
    worker = _worker()
    assert worker.stdin is not None and worker.stdout is not None
    line = b'{"event_id":"a","event_type":"user_message","ts":"2026-01-05T10:30:00+01:00","session_id":"s","turn":2}'
    parallel.write_frame(worker.stdin, ([SourceRecord(1, raw=line), SourceRecord(2), SourceRecord(3, raw=b"{")], False))
    row, blank, rejection = parallel.read_frame(worker.stdout)
    # 10:30 at +01:00 is 09:30 UTC.
    assert (row["event_id"], row["ts"], row["turn"]) == ("a", datetime(2026, 1, 5, 9, 30), 2)
    assert blank is None and rejection[0] == "bad_json"
    worker.stdin.close()
    assert worker.wait(timeout=30) == 0
    assert worker.stderr is not None and worker.stderr.read() == b""


def test_a_worker_whose_ingesting_process_died_exits_quietly() -> None:
    # Killed while sending: the worker reads half a frame, then the end of its input.
    cut = _worker()
    assert cut.stdin is not None
    cut.stdin.write(b"\x40\x00\x00\x00\x00\x00\x00\x00" + b"\x80")  # a 64-byte frame, 1 byte of it
    cut.stdin.close()
    assert cut.wait(timeout=30) == 1
    assert cut.stderr is not None and cut.stderr.read() == b""
    # Killed while the worker validates: nobody reads its answer.
    orphan = _worker()
    assert orphan.stdin is not None and orphan.stdout is not None
    orphan.stdout.close()
    parallel.write_frame(orphan.stdin, ([SourceRecord(1, raw=b"{}")], False))
    orphan.stdin.close()
    assert orphan.wait(timeout=30) == 1
    assert orphan.stderr is not None and orphan.stderr.read() == b""


def test_a_write_that_fails_stops_a_worker_still_validating_at_once() -> None:
    # Three batches of 5,000 lines (answers of ~2 MB, far more than a pipe holds), one worker.
    line = b'{"event_id":"e%d","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":1}'
    batches = [[SourceRecord(n, raw=line % n) for n in range(b * 5000, (b + 1) * 5000)] for b in range(3)]
    classified = parallel.classified_batches(iter(batches), store_text=False, workers=1)
    first = next(classified)
    assert [item.event.event_id for item in first[:2]] == ["e0", "e1"]  # type: ignore[union-attr]
    # The second batch is with the worker when the caller's write fails and it stops reading:
    # the worker finds nobody to answer and exits, instead of blocking on a full pipe until killed.
    began = time.perf_counter()
    classified.close()
    assert time.perf_counter() - began < 5
