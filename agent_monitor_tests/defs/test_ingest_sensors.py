"""The landing-folder sensor starts ingestion for new and changed files, in any format."""

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
from sqlalchemy import select

from agent_monitor.defs.ingest.jobs import ingest_job
from agent_monitor.defs.ingest.sensors import landing_folder_sensor
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.ingest.store import create_ledger_entry
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger
from agent_monitor_tests.conftest import SHARED_DATA
from agent_monitor_tests.events import response, write_jsonl


def _settle(path: Path) -> None:
    """Age the file past the sensor's settle time, as if written a minute ago."""
    past = time.time() - 60
    os.utime(path, (past, past))


def _tick(
    instance: dg.DagsterInstance, settings: MonitorSettings, cursor: str | None, warehouse: Warehouse | None = None
) -> dg.SensorResult:
    warehouse = warehouse or Warehouse(url=f"sqlite:///{Path(settings.path or '.').parent / 'w.db'}")
    resources = {"settings": settings, "warehouse": warehouse}
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources) as context:
        return landing_folder_sensor(context)


def test_new_and_changed_landing_files_are_ingested_once(tmp_path: Path, warehouse_url: str) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(f"ingest:\n  landing_folder: {landing}\n")
    settings = MonitorSettings(path=str(config))
    warehouse = Warehouse(url=warehouse_url)
    first = write_jsonl(landing / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z")])
    tau2 = landing / "gpt-4.1_airline.json"
    shutil.copy(SHARED_DATA / "tau2-bench" / "gpt-4.1_airline.json", tau2)
    fresh = write_jsonl(landing / "still-writing.jsonl", [response("r9", "2026-01-05T10:00:00Z")])
    _settle(first)
    _settle(tau2)
    with dg.instance_for_test() as instance:
        result = _tick(instance, settings, None, warehouse)
        # The file modified just now is left for a later tick.
        assert len(result.run_requests) == 1
        paths = result.run_requests[0].run_config["ops"]["ingest_files"]["config"]["paths"]
        assert paths == sorted([str(first.resolve()), str(tau2.resolve())])
        run = ingest_job.execute_in_process(
            run_config=result.run_requests[0].run_config, instance=instance,
            resources={"warehouse": warehouse, "settings": settings},
        )
        assert run.success
        with warehouse.engine.connect() as connection:
            ledger = connection.execute(select(ingestion_ledger).order_by(ingestion_ledger.c.source)).all()
        assert [(Path(r.source).name, r.source_format, r.accepted) for r in ledger][0][:2] == ("a.jsonl", "jsonl")
        assert ledger[1].source_format == "tau2" and ledger[1].quarantined == 0 and ledger[1].accepted > 0

        # Next tick: only the settled new file; then an append re-triggers a.jsonl alone.
        _settle(fresh)
        second = _tick(instance, settings, result.cursor, warehouse)
        assert second.run_requests[0].run_config["ops"]["ingest_files"]["config"]["paths"] == [str(fresh.resolve())]
        assert _tick(instance, settings, second.cursor, warehouse).run_requests == []
        with first.open("a") as stream:
            stream.write('{"event_id":"r2","event_type":"agent_response","ts":"2026-01-05T10:01:00Z","agent_id":"a","session_id":"s","turn":2}\n')
        _settle(first)
        third = _tick(instance, settings, second.cursor, warehouse)
        assert third.run_requests[0].run_config["ops"]["ingest_files"]["config"]["paths"] == [str(first.resolve())]


def test_a_missing_landing_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(f"ingest:\n  landing_folder: {tmp_path / 'nowhere'}\n")
    with dg.instance_for_test() as instance:
        result = _tick(instance, MonitorSettings(path=str(config)), None)
    assert result.run_requests == []
    assert result.skip_reason is not None
    assert result.skip_reason.skip_message == f"landing folder {tmp_path / 'nowhere'} does not exist"


def _failed_ingestion(warehouse: Warehouse, source: Path) -> int:
    """The ledger row ingestion writes when a file's ingestion raised (e.g. the database went away)."""
    with warehouse.engine.begin() as connection:
        return create_ledger_entry(connection, {
            "source": str(source.resolve()), "source_format": "jsonl", "status": "failed",
            "error": "OperationalError: server closed the connection", "started_at": datetime(2026, 1, 5, 10),
        })


def test_a_file_whose_ingestion_failed_is_retried_a_bounded_number_of_times(tmp_path: Path, warehouse_url: str) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(f"ingest:\n  landing_folder: {landing}\n")
    settings, warehouse = MonitorSettings(path=str(config)), Warehouse(url=warehouse_url)
    path = write_jsonl(landing / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z")])
    _settle(path)
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, settings, None, warehouse).cursor
        assert _tick(instance, settings, cursor, warehouse).run_requests == []
        # Three failures in a row: each is retried once (its own run key), the third is not.
        for attempt in (1, 2, 3):
            failed_id = _failed_ingestion(warehouse, path)
            requests = _tick(instance, settings, cursor, warehouse).run_requests
            if attempt < 3:
                assert [(r.run_key, r.run_config["ops"]["ingest_files"]["config"]["paths"]) for r in requests] == [
                    (f"retry:{failed_id}", [str(path.resolve())])
                ]
            else:
                assert requests == []
        # A successful ingestion resets the count.
        ingest_path(warehouse.engine, path)
        assert _tick(instance, settings, cursor, warehouse).run_requests == []


def test_a_run_killed_mid_file_is_retried_once_no_ingestion_is_live(tmp_path: Path, warehouse_url: str) -> None:
    from agent_monitor.lib.ingest.lock import ingestion_lock

    landing = tmp_path / "landing"
    landing.mkdir()
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(f"ingest:\n  landing_folder: {landing}\n")
    settings, warehouse = MonitorSettings(path=str(config)), Warehouse(url=warehouse_url)
    path = write_jsonl(landing / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z")])
    _settle(path)
    with dg.instance_for_test() as instance:
        cursor = _tick(instance, settings, None, warehouse).cursor
        # What a killed run leaves behind: its ledger row still says `running`.
        with warehouse.engine.begin() as connection:
            stale_id = create_ledger_entry(connection, {
                "source": str(path.resolve()), "source_format": "jsonl", "status": "running",
                "started_at": datetime(2026, 1, 5, 10),
            })
        # While an ingestion holds the lock the row may be live: it is left alone.
        with ingestion_lock(warehouse.engine):
            assert _tick(instance, settings, cursor, warehouse).run_requests == []
        requests = _tick(instance, settings, cursor, warehouse).run_requests
        assert [r.run_key for r in requests] == [f"retry:{stale_id}"]
        with warehouse.engine.connect() as connection:
            row = connection.execute(select(ingestion_ledger).where(ingestion_ledger.c.ingest_id == stale_id)).one()
        assert (row.status, row.error) == ("failed", "interrupted: the ingesting process ended mid-file")
