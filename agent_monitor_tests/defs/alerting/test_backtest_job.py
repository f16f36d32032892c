"""alert_backtest_job (the Launchpad's way in) and `agent-monitor backtest` on one history."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.cli import main
from agent_monitor.defs.alerting.backtest import alert_backtest_job
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor_tests.lib.backtest.history import seed_m4_history


def test_the_job_reports_the_episodes_as_metadata(
    warehouse_engine: Engine, warehouse_url: str, tmp_path: Path
) -> None:
    seed_m4_history(warehouse_engine)  # M4 episodes at hours 2, 5–6, 9 (rates 0.025/0.06/0.035)
    config = tmp_path / "monitor.yaml"
    config.write_text("{}\n")
    result = alert_backtest_job.execute_in_process(
        resources={"warehouse": Warehouse(url=warehouse_url), "settings": MonitorSettings(path=str(config))},
        run_config={"ops": {"run_alert_backtest": {"config": {
            "start": "2026-01-05T00:00:00Z", "end": "2026-01-05T12:00:00Z",
            "rule": "m4_hallucination_rate", "threshold": 0.03}}}},
    )
    assert result.success
    assert result.output_for_node("run_alert_backtest") == {
        "episodes": 2, "paged": 2, "inhibited": 0, "silenced": 0, "actually_fired": 0}
    (output,) = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata  # type: ignore[union-attr]
    assert metadata["proposed"].value == "threshold 0.03 (configured 0.02), min_samples 100, severity warning"
    report = metadata["report"].value
    assert "| m4_hallucination_rate | agent=billing | 01-05 05:00–07:00 | 0.060 |" in report
    assert "01-05 02:00" not in report  # the 0.025 hour no longer fires


def test_the_command_prints_the_report(
    warehouse_engine: Engine, warehouse_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_m4_history(warehouse_engine)
    code = main(["backtest", "--rule", "m4_hallucination_rate", "--threshold", "0.04",
                 "--from", "2026-01-05", "--to", "2026-01-05T12:00Z", "--database-url", warehouse_url])
    assert code == 0
    out = capsys.readouterr().out
    assert "proposed: threshold 0.04 (configured 0.02), min_samples 100, severity warning" in out
    assert "would have: 1 episode(s) — 1 paged, 0 inhibited, 0 silenced; 1 resolved" in out
    assert "01-05 05:00–07:00  0.060" in out


WINDOW = ["--from", "2026-01-05", "--to", "2026-01-06"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "0.03", *WINDOW], "threshold: a proposed setting needs the rule it is for"),
        (["--rule", "m4_hallucination_rate", "--threshold", "2", *WINDOW],
         "rules.m4_hallucination_rate.threshold: 2 is outside [0, 1]"),
        (["--from", "2026-01-05", "--to", "2026-01-04"], "is empty"),
        (["--from", "yesterday", "--to", "2026-01-06"], "--from/--to: not a time: 'yesterday'"),
        (["--ground-truth", "missing.json", *WINDOW], "--ground-truth: missing.json: no such file"),
    ],
)
def test_bad_arguments_are_clear_errors(
    warehouse_url: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backtest", *args, "--database-url", warehouse_url]) == 2
    assert message in capsys.readouterr().err
