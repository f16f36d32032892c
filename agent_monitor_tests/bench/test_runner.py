"""Measurements in a child process: result, peak RSS from the kernel, failures surfaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.bench.runner import MeasurementError, run_measure
from agent_monitor_tests.events import response, write_jsonl


def test_a_child_measurement_returns_its_result_and_peak_memory(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [response(f"r{i}", "2026-01-05T10:00:00Z") for i in range(3)])
    result = run_measure("ingest", {"url": f"sqlite:///{tmp_path / 'w.db'}", "path": str(path)})
    assert result["events"] == 3
    # A Python process that imported SQLAlchemy holds more than 10 MiB and far less than 2 GiB.
    assert 10 < result["peak_rss_mib"] < 2048


def test_a_failing_child_raises_with_its_error(tmp_path: Path) -> None:
    with pytest.raises(MeasurementError, match="no such file"):
        run_measure("ingest", {"url": f"sqlite:///{tmp_path / 'w.db'}", "path": str(tmp_path / "missing.jsonl")})
