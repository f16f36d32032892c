"""The digest schedule: one run per scheduled time that posts one message with every agent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from agent_monitor.defs.alerting.schedules import alert_digest_job, alert_digest_schedule
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.alerting.conftest import HOUR, TOKEN, keys, seed_health


@pytest.fixture
def engine(warehouse_url: str) -> Engine:
    return open_warehouse(warehouse_url)


def test_the_digest_posts_once_with_every_agent(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    seed_health(engine, "billing", "m4_hallucination_rate", "warning", 0.05, 0.02)
    seed_health(engine, "support", "m4_hallucination_rate", "ok", 0.01, 0.02)
    # billing a day earlier (the previous period): 0.01, so the change is 0.05 - 0.01 = +0.040.
    seed_health(engine, "billing", "m4_hallucination_rate", "ok", 0.01, 0.02,
                hour=HOUR - timedelta(days=1))
    assert alert_digest_schedule.cron_schedule == "0 9 * * *"
    assert alert_digest_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    scheduled = datetime(2025, 3, 2, 9, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=scheduled) as context:
        request = alert_digest_schedule.evaluate_tick(context).run_requests[0]
    assert request.run_key == "digest-2025-03-02T09:00:00"
    resources = {"warehouse": Warehouse(url=warehouse_url),
                 "settings": MonitorSettings(path=str(config_path))}
    for _ in range(2):  # a re-run of the same scheduled time posts nothing more
        result = alert_digest_job.execute_in_process(run_config=request.run_config,
                                                     resources=resources)
        assert result.success
    # The newest health hour is 2025-03-01 10:00, so the period ends at 11:00.
    assert keys(standin) == ["digest:2025-03-01T11:00Z"]
    blocks = standin.messages[0]["blocks"]
    text = json.dumps(blocks, ensure_ascii=False)
    assert blocks[0]["text"]["text"] == ":bar_chart: Agent health digest"
    assert "2025-02-28 11:00 to 2025-03-01 11:00 UTC · 2 agents (1 warning, 1 ok)" in text
    agent_lines = [b["text"]["text"] for b in blocks if b["type"] == "section"][:2]
    assert agent_lines[0].startswith(":large_orange_circle: *billing*")
    assert ":large_orange_circle: M4 0.050 (+0.040)" in agent_lines[0]
    assert agent_lines[1].startswith(":large_green_circle: *support*")
    assert ":large_green_circle: M4 0.010 (new)" in agent_lines[1]
    assert "*Review backlog*: 0 pending review items" in text
    assert "http://dash.test/|Dashboard" in text
