"""`agent-monitor demo --real` on the real logs, end to end, in a child process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent_monitor_tests.conftest import PROJECT_ROOT, SHARED_DATA

# 10 files: 200 tau-bench trajectories and 300 tau2 simulations (9 files); every event accepted.
# tau-bench: 5756 events (test_tau_bench). tau2, counted per file from the JSON as 2 run events
# and 1 conversation step per simulation + user messages + assistant messages + assistant tool
# calls + handoff calls (the figures below leave out the 300 conversation steps):
# airline 553 / fine-tuned 595, retail 1187 / 1260, telecom 1861 / 2611, telecom no-user
# 1325 / 1316, gpt-4o telecom 636; Σ = 11,344 + 300 = 11,644; with tau-bench 17,400.
RAW_EVENTS = 17_400
TIMEOUT_S = 600


def _demo(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENT_MONITOR_HOME": str(home)}
    env.pop("AGENT_MONITOR_DATABASE_URL", None)
    env.pop("SLACK_BOT_TOKEN", None)
    command = [sys.executable, "-c", "from agent_monitor.cli import main; raise SystemExit(main())"]
    return subprocess.run(
        [*command, "demo", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=TIMEOUT_S, check=False,
    )


def _table_count(stdout: str, table: str) -> int:
    match = re.search(rf"^\s+{table}\s+([\d,]+) rows$", stdout, re.MULTILINE)
    assert match, f"no count for {table} in:\n{stdout}"
    return int(match.group(1).replace(",", ""))


@pytest.mark.slow
def test_demo_real_runs_on_the_shared_data(tmp_path: Path) -> None:
    assert SHARED_DATA.is_dir()
    done = _demo(["--real", str(SHARED_DATA)], tmp_path / "home")
    assert done.returncode == 0, done.stderr[-4000:]
    assert "3. tables" in done.stdout
    assert _table_count(done.stdout, "raw_events") == RAW_EVENTS
    assert _table_count(done.stdout, "quarantined_events") == 0
    assert _table_count(done.stdout, "agent_metrics_hourly") > 0
    assert _table_count(done.stdout, "agent_health") > 0
