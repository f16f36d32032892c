"""The definitions load and validate, and the webserver serves every asset over GraphQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from agent_monitor.definitions import defs
from agent_monitor_tests.conftest import PROJECT_ROOT

# The tables of SPEC §3 that are assets (all but `alerts`, which the alert sensor keeps),
# and the dashboard page.
SPEC_TABLE_ASSETS = {
    "raw_events",
    "quarantined_events",
    "ingestion_ledger",
    "review_queue",
    "agent_metrics_hourly",
    "session_coherence",
    "decision_consistency_hourly",
    "failure_chains",
    "cascade_correlations",
    "drift_signals_hourly",
    "agent_health",
    "agent_health_dashboard",
}
SENSORS = {
    "landing_folder_sensor",
    "raw_events_update_sensor",
    "late_data_automation_sensor",
    "agent_health_alert_sensor",
}


def _asset_keys() -> set[str]:
    return {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}


def test_definitions_have_the_spec_tables_and_the_sensors() -> None:
    assert SPEC_TABLE_ASSETS <= _asset_keys()
    repository = defs.get_repository_def()
    assert SENSORS <= {sensor.name for sensor in repository.sensor_defs}
    assert "alert_digest_schedule" in {schedule.name for schedule in repository.schedule_defs}
    assert {"alert_digest_job", "alert_backtest_job"} <= {job.name for job in repository.get_all_jobs()}
    assert {"warehouse", "settings"} <= set(defs.resources or {})


def test_dagster_definitions_validate_passes() -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-m", "agent_monitor.definitions"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_the_webserver_finds_every_asset_through_graphql(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 180
        nodes = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                result = _graphql(port, "{ assetNodes { assetKey { path } } }")
                nodes = result["data"]["assetNodes"]
                if nodes:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert server.poll() is None, f"webserver exited: {server.stderr.read() if server.stderr else ''}"
        assert nodes, "the webserver did not answer with assets within 180 s"
        served = {"/".join(node["assetKey"]["path"]) for node in nodes}
        assert served == _asset_keys()
        assert SPEC_TABLE_ASSETS <= served
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_every_sensor_schedule_and_job_says_what_it_does() -> None:
    described = [*(defs.sensors or []), *(defs.schedules or []), *(defs.jobs or [])]
    assert len(described) >= 8
    missing = [getattr(d, "name", str(d)) for d in described if not (getattr(d, "description", "") or "").strip()]
    assert missing == []


def test_every_materializable_asset_has_a_single_run_backfill_policy() -> None:
    # `dagster asset materialize --select '*' --partition-range …` requires it of every asset.
    graph = defs.resolve_asset_graph()
    nodes = [graph.get(key) for key in graph.toposorted_asset_keys]
    assert {n.key.to_user_string() for n in nodes if n.is_materializable
            and (n.backfill_policy is None or n.backfill_policy.policy_type.value != "SINGLE_RUN")} == set()
