"""The metrics subcommand prints the newest rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.cli import main
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.build import build_agent_metrics
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.metrics.harness import hour
from agent_monitor_tests.events import response, write_jsonl


def test_metrics_show_prints_rows_of_the_agent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_warehouse(url)
    events = [response("r1", "2026-01-05T10:05:00Z", flags=["hallucination:x"]),
              response("r2", "2026-01-05T10:06:00Z"),
              response("x1", "2026-01-05T10:07:00Z", agent_id="other")]
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    build_agent_metrics(engine, hour("2026-01-05-10:00"), hour("2026-01-05-11:00"))
    assert main(["metrics", "show", "--agent", "billing", "--database-url", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["hour", "agent", "version", "resp"]
    assert len(out) == 2 and "billing" in out[1] and "other" not in "".join(out)
    # 1 flagged of 2 responses (a validator ran in the hour: r1 carries flags) → M4 0.500
    assert "0.500" in out[1]


def test_metrics_show_rejects_zero_hours(tmp_path: Path) -> None:
    assert main(["metrics", "show", "--hours", "0", "--database-url", f"sqlite:///{tmp_path / 'w.db'}"]) == 2
