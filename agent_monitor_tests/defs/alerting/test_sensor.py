"""The alert sensor through Dagster's sensor context, against the Slack stand-in."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from agent_monitor.defs.alerting.sensors import agent_health_alert_sensor, evaluate_alert_sensor
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.alerting.conftest import (
    HOUR,
    T0,
    TOKEN,
    alert_rows,
    keys,
    outbox_rows,
    seed_health,
)
from agent_monitor_tests.events import response, write_jsonl


def run_sensor(url: str, config_path: Path, now=None) -> dg.SkipReason:  # type: ignore[no-untyped-def]
    resources = {"warehouse": Warehouse(url=url), "settings": MonitorSettings(path=str(config_path)),
                 "clock": Clock()}
    with dg.build_sensor_context(resources=resources) as context:
        if now is None:
            return agent_health_alert_sensor(context)
        return evaluate_alert_sensor(context, Warehouse(url=url),
                                     MonitorSettings(path=str(config_path)), now)


@pytest.fixture
def engine(warehouse_url: str) -> Engine:
    return open_warehouse(warehouse_url)


def seed_traces(engine: Engine, tmp_path: Path) -> None:
    # Four responses of billing in the alert hour; the message links the first three traces.
    events = [response(f"r{i}", f"2025-03-01T10:0{i}:00Z", trace_id=f"tr-{i}", confidence=0.9)
              for i in range(1, 5)]
    result = ingest_path(engine, write_jsonl(tmp_path / "r.jsonl", events))
    assert result.accepted == 4


def test_fire_posts_one_message_with_the_right_blocks_and_rerun_sends_nothing(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    seed_traces(engine, tmp_path)
    # M4: 10 flagged of 200 responses = 0.05 > 0.02.
    seed_health(engine, "billing", "m4_hallucination_rate", "warning", 0.05, 0.02,
                reason="0.050 is above the warning threshold 0.020 over 200 primary responses")
    seed_health(engine, "billing", "m7_escalation_rate", "ok", 0.02, 0.08)
    run_sensor(warehouse_url, config_path, T0)
    assert keys(standin) == ["m4_hallucination_rate:agent=billing:1:fire:1"]
    message = standin.messages[0]
    blocks = message["blocks"]
    assert blocks[0]["text"]["text"] == ":large_orange_circle: WARNING · Hallucination flag rate"
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields[0] == "*Agent*\nbilling"
    assert fields[2] == "*Value*\n0.050, above the threshold 0.020"
    assert fields[3] == "*Since*\n2025-03-01 11:05 UTC"
    text = json.dumps(blocks)
    # The partition of the hour 2025-03-01 10:00 (':' quoted as %3A) on the rule's asset.
    assert ("http://dagster.test/assets/agent_metrics_hourly?view=partitions&amp;"
            "partition=2025-03-01-10%3A00|Dagster partition") in text
    assert "http://dash.test/|Dashboard" in text and "http://runbook.test/a|Runbook" in text
    assert "http://traces.test/t/tr-1|tr-1" in text and "tr-3" in text and "tr-4" not in text
    (row,) = alert_rows(engine)
    assert (row["state"], row["delivery_status"], row["delivery_attempts"]) == (
        "firing", "delivered", 1)
    assert row["slack_ts"] == message["ts"]
    # Re-running the same tick, and a later one within 4 h, sends nothing.
    run_sensor(warehouse_url, config_path, T0)
    run_sensor(warehouse_url, config_path, T0 + timedelta(hours=1))
    assert len(standin.messages) == 1
    # The token is never written to the warehouse.
    assert TOKEN not in repr(alert_rows(engine)) + repr(outbox_rows(engine))


def test_missing_token_records_the_alert_with_a_clear_reason(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    seed_health(engine, "billing", "m6_recovery_time", "critical", 420.0, 300.0)
    # The sensor as Dagster runs it (wall-clock time).
    result = run_sensor(warehouse_url, config_path)
    assert "undelivered 1" in (result.skip_message or "")
    (row,) = alert_rows(engine)
    assert row["state"] == "firing" and row["delivery_status"] == "undelivered"
    assert row["delivery_error"] == "SLACK_BOT_TOKEN is not set: alert recorded, not sent"
    assert standin.messages == []
    # Once the token is set, the next tick delivers the recorded alert exactly once.
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    run_sensor(warehouse_url, config_path)
    run_sensor(warehouse_url, config_path)
    assert keys(standin) == ["m6_recovery_time:agent=billing:1:fire:1"]


def test_a_backfill_pages_only_for_each_agents_latest_hour(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    # Ten rebuilt hours 00:00-09:00: billing breached at 03:00 only; its latest hour is ok.
    for h in range(10):
        status, value = ("warning", 0.05) if h == 3 else ("ok", 0.01)
        seed_health(engine, "billing", "m4_hallucination_rate", status, value, 0.02,
                    hour=HOUR.replace(hour=h))
    # support's latest hour (05:00) breaches: that one alert is sent.
    seed_health(engine, "support", "m4_hallucination_rate", "warning", 0.04, 0.02,
                hour=HOUR.replace(hour=5))
    run_sensor(warehouse_url, config_path, T0)
    assert keys(standin) == ["m4_hallucination_rate:agent=support:1:fire:1"]
    assert [(r["agent_id"], r["hour"].hour) for r in alert_rows(engine)] == [("support", 5)]


def test_an_agent_named_channel_pings_no_one(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    seed_health(engine, "<!channel>", "m4_hallucination_rate", "warning", 0.05, 0.02,
                reason="<!here> 0.050 is above")
    run_sensor(warehouse_url, config_path, T0)
    (message,) = standin.messages
    payload = message["text"] + json.dumps(message["blocks"])
    assert "&lt;!channel&gt;" in message["text"]
    assert "&lt;!channel&gt;" in payload and "&lt;!here&gt;" in payload
    assert "<!channel>" not in payload and "<!here>" not in payload
