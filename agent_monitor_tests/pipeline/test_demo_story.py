"""`agent-monitor demo` (synthetic, 72 h) end to end: what an on-call engineer finds afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from agent_monitor.lib.generator.ground_truth import GROUND_TRUTH_FILE, GroundTruth
from agent_monitor.lib.warehouse.tables_signals import failure_chains
from agent_monitor_tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow
TIMEOUT_S = 1200


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "AGENT_MONITOR_HOME": str(home)}
    for name in ("AGENT_MONITOR_DATABASE_URL", "SLACK_BOT_TOKEN", "AGENT_MONITOR_CONFIG", "DAGSTER_HOME"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's folder after `agent-monitor demo` ran (3–4 min)."""
    home = tmp_path_factory.mktemp("demo_home")
    command = [sys.executable, "-c", "from agent_monitor.cli import main; raise SystemExit(main())", "demo"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=_env(home), capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    folder = home / "demo"
    (folder / "demo_stdout.txt").write_text(done.stdout)
    return folder


def _truth(demo: Path) -> GroundTruth:
    return GroundTruth.from_json((demo / "demo_logs" / GROUND_TRUTH_FILE).read_text())


def _in_demo_instance(demo: Path, script: str) -> Any:
    """Run `script` in a child process set up as `dagster dev` after the demo is (the printed
    command's environment); it prints one JSON value, returned."""
    env = {**_env(demo), "DAGSTER_HOME": str(demo / "dagster_home"),
           "AGENT_MONITOR_CONFIG": str(demo / "agent_monitor.yaml"),
           "AGENT_MONITOR_DATABASE_URL": f"sqlite:///{demo / 'warehouse.db'}"}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_failure_chains_root_the_cascade_at_the_upstream_agent(demo: Path) -> None:
    [cascade] = [i for i in _truth(demo).incidents if i.kind == "cascade"]
    upstream, downstream = cascade.agents[0], set(cascade.agents[1:])
    engine = create_engine(f"sqlite:///{demo / 'warehouse.db'}")
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(failure_chains)).mappings()]
    engine.dispose()
    start, end = cascade.start.replace(tzinfo=None), cascade.end.replace(tzinfo=None)
    during = [r for r in rows if start <= r["root_hour"] < end]
    wide = [r for r in during if r["root_agent_id"] == upstream and r["blast_radius"] > 0
            and downstream <= set(r["affected_agents"])]
    # The cascade's burst failures take the downstream steps with them (skipped): dozens of
    # chains rooted upstream in the 8 h span, more than rooted at any other agent.
    assert len(wide) >= 30
    roots = {a: sum(1 for r in during if r["root_agent_id"] == a) for a in {r["root_agent_id"] for r in during}}
    assert max(roots, key=lambda a: roots[a]) == upstream


AUTOMATION_SCRIPT = """
import json
import dagster as dg
from agent_monitor.build import report_changed_hours
from agent_monitor.definitions import defs
from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import Warehouse
import os

with dg.DagsterInstance.get() as instance:
    states = [s for s in instance.all_instigator_state() if s.name == "raw_events_update_sensor"]
    cursor = states[0].instigator_data.cursor if states else None
    # The first tick of the update sensor under `dagster dev`, from the cursor the demo left.
    report_changed_hours(instance, Warehouse(url=os.environ["AGENT_MONITOR_DATABASE_URL"]), cursor)
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    print(json.dumps({"cursor": cursor is not None, "requested": result.total_requested,
                      "partitions": len(hourly_partitions.get_partition_keys())}))
"""


def test_after_the_demo_the_automation_has_nothing_to_do(demo: Path) -> None:
    found = _in_demo_instance(demo, AUTOMATION_SCRIPT)
    assert found["cursor"] is True
    assert found["requested"] == 0
    # The partitions start at the generated data: 72 h of traffic, 49 h since, the current hour.
    assert 72 + 49 <= found["partitions"] <= 72 + 49 + 2


def test_the_dashboard_is_where_the_slack_links_point(demo: Path) -> None:
    page = demo / "dashboard" / "index.html"
    assert page.is_file()
    messages = json.loads((demo / "slack_messages.json").read_text())
    urls = {u for m in messages for u in _urls(m["blocks"]) if "Dashboard" in u}
    assert urls and all(page.as_uri() in u for u in urls)


def _urls(blocks: list[dict[str, Any]]) -> list[str]:
    return [part for part in json.dumps(blocks).split("<")[1:]]
