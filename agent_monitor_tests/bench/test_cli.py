"""`agent-monitor bench --quick` on SQLite writes a JSON file and prints the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_monitor.cli import main


@pytest.mark.slow
def test_quick_bench_on_sqlite_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.json"
    code = main(["bench", "--quick", "--databases", "sqlite", "--parts", "ingest,sensors",
                 "--events", "400", "--sensor-agents", "20", "--workdir", str(tmp_path / "w"), "-o", str(output)])
    assert code == 0
    results = json.loads(output.read_text())
    part = results["databases"]["sqlite"]
    assert part["ingest"]["events"] == 400 and part["ingest_floor"]["events"] == 400
    # 400 events are far below the size that pays for a validation worker: both runs inline.
    assert part["ingest_inline"]["events"] == 400
    assert part["ingest"]["validation_workers"] == part["ingest_inline"]["validation_workers"] == 0
    # 20 agents × 1 hour × 2 events per agent-hour = 40 events in the sensor scenario.
    assert part["sensors"]["events"] == 40 and part["sensors"]["hours_reported"] == 1
    assert results["machine"]["cpu_count"] >= 1
    assert "ingest events/s (pipeline)" in capsys.readouterr().out


def test_unknown_database_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--databases", "oracle"]) == 2
    assert "--databases must name sqlite and/or postgres" in capsys.readouterr().err


@pytest.mark.slow
def test_backfill_on_a_loaded_warehouse_skips_the_load_and_keeps_it(tmp_path: Path) -> None:
    from agent_monitor.bench.measures import load_hours

    url = f"sqlite:///{tmp_path / 'loaded.db'}"
    # Two hours × 150 events from 2026-02-01 00:00, the bench's backfill start.
    assert load_hours({"url": url, "key": "2026-02-01-00:00", "hours": 2, "events_per_hour": 150,
                       "workdir": str(tmp_path)})["events"] == 300
    output = tmp_path / "out.json"
    code = main(["bench", "--databases", "sqlite", "--parts", "backfill", "--backfill-days", str(2 / 24),
                 "--backfill-chunk-hours", "2", "--backfill-warehouse", url, "-o", str(output)])
    assert code == 0
    backfill = json.loads(output.read_text())["databases"]["sqlite"]["backfill"]
    assert backfill["load"]["events"] == 300 and "loaded.db" in backfill["load"]["reused_warehouse"]
    assert backfill["build"]["runs"] == 1 and backfill["build"]["failed_runs"] == []
    # Every hourly asset's step is timed: the backfill's time is broken down by step.
    assert {"review_queue", "session_coherence", "agent_metrics_hourly"} <= set(backfill["build"]["step_seconds"])
    assert (tmp_path / "loaded.db").exists()


def test_a_reused_warehouse_must_match_the_database_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--databases", "postgres", "--backfill-warehouse", "sqlite:///x.db"]) == 2
    assert "pass --databases sqlite" in capsys.readouterr().err


@pytest.mark.slow
def test_rebuild_with_history_prints_the_ratio_to_the_hour_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.json"
    code = main(["bench", "--databases", "sqlite", "--parts", "rebuild", "--rebuild-events-per-hour", "60",
                 "--rebuild-history-hours", "0,24", "--workdir", str(tmp_path / "w"), "-o", str(output)])
    assert code == 0
    rebuild = json.loads(output.read_text())["databases"]["sqlite"]["rebuild"]
    alone, day = rebuild["runs"]["0"], rebuild["runs"]["24"]
    assert (alone["history_hours"], day["history_hours"]) == (0, 24)
    # The day of history (24 hours × 60 events) was built in one run before the hour.
    assert day["history_build"]["success"] and "history_build" not in alone
    assert len(alone["rebuild_seconds"]) == 3 and alone["seconds"] == min(alone["rebuild_seconds"])
    assert rebuild["ratio_to_alone"]["24"] == pytest.approx(day["seconds"] / alone["seconds"])
    assert "rebuild: 1 day ÷ alone" in capsys.readouterr().out


def test_rebuild_history_hours_must_be_whole_hours(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--parts", "rebuild", "--rebuild-history-hours", "0,a"]) == 2
    assert "--rebuild-history-hours must be comma-separated whole hours" in capsys.readouterr().err
