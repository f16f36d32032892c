"""A multi-hour backfill through two Celery workers equals the single-process build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import create_engine, select, text

from agent_monitor.bench.assets import build_hours
from agent_monitor.bench.databases import drop, fresh_url
from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.conftest import POSTGRES_URL, PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BROKER_URL = os.environ.get("AGENT_MONITOR_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
BACKEND_URL = os.environ.get("AGENT_MONITOR_TEST_BACKEND_URL", "rpc://")
FIRST, LAST = "2026-01-05-10:00", "2026-01-05-12:00"
INPUT_TABLES = {"raw_events", "quarantined_events", "ingestion_ledger", "raw_event_hours"}
WORKER_START_SECONDS = 120
RUN_SECONDS = 600


def _require_broker() -> None:
    from kombu import Connection

    try:
        with Connection(BROKER_URL, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as error:  # noqa: BLE001 - any failure means the broker is unusable
        pytest.fail(f"Celery broker {BROKER_URL} is unreachable ({type(error).__name__}: {error}); "
                    "start RabbitMQ or set AGENT_MONITOR_TEST_BROKER_URL")


@pytest.fixture
def dagster_home(tmp_path: Path) -> Iterator[Path]:
    """A DAGSTER_HOME whose instance storage is a fresh PostgreSQL database."""
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance_url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    (home / "dagster.yaml").write_text(
        (PROJECT_ROOT / "deploy" / "celery" / "dagster.yaml").read_text()
        .replace("env: DAGSTER_PG_URL", f"{instance_url!r}").replace("postgres_url:\n      ", "postgres_url: ")
    )
    # The instance's tables created once, before any worker: two workers opening a fresh
    # instance database together race to create them ("type jobs already exists").
    dg.DagsterInstance.from_config(str(home)).dispose()
    try:
        yield home
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _worker_env(home: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home), "DAGSTER_CELERY_BROKER_URL": BROKER_URL,
            "DAGSTER_CELERY_BACKEND_URL": BACKEND_URL, "PYTHONPATH": str(PROJECT_ROOT),
            # dagster-celery starts `celery` from PATH: the one beside this interpreter.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture
def two_workers(dagster_home: Path, tmp_path: Path) -> Iterator[list[Path]]:
    """Two Celery workers (one process each), stopped and reaped afterwards."""
    _require_broker()
    env = _worker_env(dagster_home)
    tag = uuid.uuid4().hex[:8]
    workers: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    dagster_celery = str(Path(sys.executable).parent / "dagster-celery")
    try:
        for i, log in enumerate(logs, start=1):
            with log.open("wb") as stream:
                workers.append(subprocess.Popen(
                    [dagster_celery, "worker", "start", "-A", "dagster_celery.app",
                     "-y", str(PROJECT_ROOT / "deploy" / "celery" / "celery.yaml"),
                     "-n", f"w{i}-{tag}@%h", "--", "--concurrency=1"],
                    env=env, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True,
                    cwd=PROJECT_ROOT,
                ))
        _wait_for_workers(tag, workers, logs)
        yield logs
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)


def _wait_for_workers(tag: str, workers: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    from celery import Celery

    app = Celery(broker=BROKER_URL, backend=BACKEND_URL)
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        for worker, log in zip(workers, logs, strict=True):
            if worker.poll() is not None:
                pytest.fail(f"a Celery worker exited with {worker.returncode}:\n{log.read_text()[-3000:]}")
        replies = app.control.ping(timeout=2) or []
        names = {name for reply in replies for name in reply}
        if sum(tag in name for name in names) == 2:
            return
    pytest.fail(f"the two Celery workers did not answer within {WORKER_START_SECONDS} s")


def _run_on_celery(home: Path, warehouse_url: str) -> None:
    script = (
        "import sys, dagster as dg\n"
        "from agent_monitor import distributed\n"
        "with dg.DagsterInstance.get() as instance:\n"
        f"    result = distributed.run_window_on_celery(instance, {FIRST!r}, {LAST!r}, {warehouse_url!r})\n"
        "sys.exit(0 if result.success else 1)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", script], env=_worker_env(home), capture_output=True,
                              timeout=RUN_SECONDS, cwd=PROJECT_ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the Celery backfill run did not finish within {RUN_SECONDS} s")
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-4000:]


def _table_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every derived table's rows, without build times or generated ids, in a stable order."""
    engine = open_warehouse(url)
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in INPUT_TABLES:
                continue
            columns = [c for c in table.columns
                       if c.name != "built_at" and not (c.primary_key and c.autoincrement is True)]
            rows = connection.execute(select(*columns)).all()
            contents[table.name] = sorted(
                (tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows), key=repr
            )
    engine.dispose()
    return contents


def test_a_three_hour_backfill_on_two_celery_workers_equals_the_single_process_build(
    dagster_home: Path, two_workers: list[Path], tmp_path: Path
) -> None:
    events = write_bench_file(tmp_path / "events.jsonl", 900, datetime(2026, 1, 5, 10), timedelta(hours=3),
                              n_agents=6, seed=11)
    single_url = fresh_url("postgres", tmp_path, "single", POSTGRES_URL)
    celery_url = fresh_url("postgres", tmp_path, "celery", POSTGRES_URL)
    try:
        for url in (single_url, celery_url):
            engine = open_warehouse(url)
            assert ingest_path(engine, events).accepted == 900
            engine.dispose()
        assert build_hours(single_url, FIRST, LAST)["success"]
        _run_on_celery(dagster_home, celery_url)
        single, distributed = _table_contents(single_url), _table_contents(celery_url)
        # The run really produced rows: 3 hours of 6 agents' responses give hourly metric rows.
        assert len(single["agent_metrics_hourly"]) >= 3
        assert distributed == single
        worked = [log.read_text().count("succeeded in") for log in two_workers]
        assert sum(worked) > 0, "no Celery task ran on the workers"
    finally:
        drop(single_url)
        drop(celery_url)
