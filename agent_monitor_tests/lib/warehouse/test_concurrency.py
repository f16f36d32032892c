"""Concurrent first use and concurrent rebuilds: the second one waits, none fails."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import Engine, func, select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.reviews.build import rebuild_queue
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.events import response

_INGEST = """
import sys
from pathlib import Path
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
print(ingest_path(open_warehouse(sys.argv[1]), Path(sys.argv[2])).summary())
"""


def test_three_first_ingestions_into_a_fresh_sqlite_warehouse_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'warehouse.db'}"
    files = []
    for n in range(3):
        path = tmp_path / f"part{n}.jsonl"
        events = [response(f"p{n}-{i}", "2026-01-05T10:00:00Z", turn=i + 1) for i in range(100)]
        path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
        files.append(path)
    processes = [
        subprocess.Popen([sys.executable, "-c", _INGEST, url, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for path in files
    ]
    outcomes = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], [err for _, err in outcomes]
    engine = open_warehouse(url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(raw_events)).scalar_one() == 300
        statuses = connection.execute(select(ingestion_ledger.c.status)).scalars().all()
    assert statuses == ["complete"] * 3
    engine.dispose()


def test_concurrent_rebuilds_of_one_day_of_the_review_queue_wait_for_each_other(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    events = [
        response(f"r{i}", f"2026-01-05T{10 + i % 2}:{i % 60:02d}:00Z", session_id=f"s{i}", confidence=0.3)
        for i in range(60)
    ]
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    ingest_path(warehouse_engine, path)
    settings = ReviewSettings(base_rate=0.5, daily_minimum=0)
    now = datetime(2026, 1, 6)
    hours = [datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def rebuild(worker: int) -> None:
        barrier.wait()
        for attempt in range(5):
            hour = hours[(worker + attempt) % 2]
            try:
                rebuild_queue(warehouse_engine, hour, hour + timedelta(hours=1), settings, now=now)
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=rebuild, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    # What the concurrent builds left is what builds one after the other give.
    concurrent = _queue_rows(warehouse_engine)
    for hour in hours:
        rebuild_queue(warehouse_engine, hour, hour + timedelta(hours=1), settings, now=now)
    assert _queue_rows(warehouse_engine) == concurrent
    assert len(concurrent) > 0


def _queue_rows(engine: Engine) -> list[tuple[object, ...]]:
    columns = [review_queue.c[n] for n in ("event_id", "hour", "inclusion_probability", "status")]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(review_queue.c.event_id)).all()
    return [(r[0], r[1], round(r[2], 12), r[3]) for r in rows]
