"""The DuckDB peer computes the same outputs as our hourly assets, row for row, and the
bench's JSON carries our time ÷ DuckDB's per output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_monitor.bench.assets import build_hours
from agent_monitor.bench.events import write_bench_file
from agent_monitor.bench.suite import HOUR_KEY, KEY_FORMAT
from agent_monitor.bench.versus import OUTPUTS, versus
from agent_monitor.cli import main
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse


@pytest.mark.slow
def test_duckdb_outputs_match_our_tables_row_for_row(warehouse_url: str, tmp_path: Path) -> None:
    from datetime import datetime

    # 4,000 bench events in one hour: long conversations (M2, late responses), re-asks,
    # contradictions, shadows, reviews, escalations and workflow runs (bench/events.py).
    path = write_bench_file(tmp_path / "hour.jsonl", 4000, datetime.strptime(HOUR_KEY, KEY_FORMAT), n_agents=8)
    engine = open_warehouse(warehouse_url)
    assert ingest_path(engine, path).accepted == 4000
    engine.dispose()
    assert build_hours(warehouse_url, HOUR_KEY)["success"]

    result = versus(warehouse_url, HOUR_KEY)

    assert result["mismatches"] == dict.fromkeys(OUTPUTS, 0), result["first_mismatches"]
    # Not a vacuous match: each output has rows, M2 and the profiles included.
    assert all(result["rows"][name] > 0 for name in OUTPUTS), result["rows"]
    assert result["peer_seconds"]["events_loaded"] == 4000
    for name in OUTPUTS:
        assert result["ratios"][name] == pytest.approx(
            result["ours_seconds"][name] / result["peer_seconds"][name])
    # The columnar path: the same outputs over a Parquet file of the events, and (PostgreSQL)
    # after the events were moved by COPY.
    path = result["columnar"]
    assert path["over_parquet_rows_differing"] == dict.fromkeys(OUTPUTS, 0)
    assert set(path["over_parquet_seconds"]) == set(OUTPUTS) and path["parquet_mib"] > 0
    if warehouse_url.startswith("postgresql"):
        assert path["moved"]["events"] == 4000
        assert path["moved"]["rows_differing"] == dict.fromkeys(OUTPUTS, 0)
    else:
        assert "moved" not in path


@pytest.mark.slow
def test_the_bench_json_carries_the_ratios_to_duckdb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out.json"
    code = main(["bench", "--quick", "--databases", "sqlite", "--parts", "ingest,hour",
                 "--events", "1500", "--workdir", str(tmp_path / "w"), "-o", str(output)])
    assert code == 0
    part = json.loads(output.read_text())["databases"]["sqlite"]
    assert part["hour_build"]["success"]
    peer = part["peer"]
    assert set(OUTPUTS) <= set(peer["ratios"]) and all(peer["ratios"][n] > 0 for n in OUTPUTS)
    assert sum(peer["mismatches"].values()) == 0
    printed = capsys.readouterr().out
    assert "review sample: ours ÷ DuckDB" in printed and "rows differing from DuckDB's" in printed
    assert "four outputs: ours s / DuckDB over Parquet s" in printed
    assert sum(peer["columnar"]["over_parquet_rows_differing"].values()) == 0
