"""The metrics subcommand prints the newest rows; the run-prefix rule of M5."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.cli import main
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.build import build_agent_metrics
from agent_monitor.lib.rollup.workflows import run_prefix
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
    # 1 flagged of 2 responses → M4 0.500
    assert "0.500" in out[1]


def test_metrics_show_rejects_zero_hours(tmp_path: Path) -> None:
    assert main(["metrics", "show", "--hours", "0", "--database-url", f"sqlite:///{tmp_path / 'w.db'}"]) == 2


def row(event_id: str, epoch: float) -> dict[str, object]:
    return {"event_id": event_id, "ts_epoch": epoch}


@pytest.mark.parametrize(
    ("epochs", "kept"),
    [
        ([0, 60, 120], 3),  # no silence
        ([0, 1799, 3598], 3),  # gaps just under 30 min
        ([0, 1800, 1900], 1),  # a silence of exactly 30 min: stalled after the first event
        ([0, 60, 2000, 2100], 2),  # 60 → 2000 is 1940 s ≥ 1800
        ([], 0),
    ],
)
def test_run_prefix_stops_at_the_first_30_minute_silence(epochs: list[float], kept: int) -> None:
    rows = [row(f"e{i}", e) for i, e in enumerate(epochs)]
    assert [r["event_id"] for r in run_prefix(rows)] == [f"e{i}" for i in range(kept)]
