"""`agent-monitor ingest` from the shell: summaries, folders, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agent_monitor_tests.events import response, write_jsonl


def _cli(*args: str, env_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent_monitor.cli.main", *args, "--database-url", env_url],
        capture_output=True, text=True, timeout=120,
    )


def test_ingest_prints_counts_and_a_second_run_is_a_no_op(tmp_path: Path, warehouse_url: str) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [response("r1", "2026-01-05T10:00:00Z"), {"event_id": "x"}])
    first = _cli("ingest", str(folder), env_url=warehouse_url)
    assert first.returncode == 0, first.stderr
    assert "read 2, accepted 1, duplicates 0, quarantined 1 [missing_field:event_type×1]" in first.stdout
    second = _cli("ingest", str(folder / "a.jsonl"), env_url=warehouse_url)
    assert "unchanged since last ingestion, skipped" in second.stdout


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = _cli("ingest", str(tmp_path / "nope.jsonl"), env_url=f"sqlite:///{tmp_path / 'w.db'}")
    assert result.returncode == 2
    assert f"agent-monitor ingest: {tmp_path / 'nope.jsonl'}: no such file or folder" in result.stderr


def test_a_generated_folder_skips_its_ground_truth(tmp_path: Path) -> None:
    folder = tmp_path / "generated"
    folder.mkdir()
    write_jsonl(folder / "events-2026-01-05.jsonl", [response("r1", "2026-01-05T10:00:00Z")])
    (folder / "ground_truth.json").write_text('{\n  "seed": 7,\n  "incidents": []\n}\n')
    result = _cli("ingest", str(folder), env_url=f"sqlite:///{tmp_path / 'w.db'}")
    assert result.returncode == 0, result.stderr
    assert f"{folder / 'ground_truth.json'}: skipped (not a log file" in result.stdout
    assert "read 1, accepted 1, duplicates 0, quarantined 0" in result.stdout
    assert "bad_json" not in result.stdout


def test_an_empty_folder_says_there_was_nothing_to_ingest(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _cli("ingest", str(tmp_path / "empty"), env_url=f"sqlite:///{tmp_path / 'w.db'}")
    assert result.returncode == 0, result.stderr
    assert f"nothing to ingest: no .jsonl, .jsonl.gz, .json, .json.gz log files in {tmp_path / 'empty'}" in result.stdout
