"""Repeat, resolve, inhibition and silences, end to end through the alerts table and Slack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from agent_monitor.cli import main
from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.defs.alerting.sensors import alert_tick, utc_now
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.alerting.conftest import (
    T0,
    alert_rows,
    keys,
    seed_cascade,
    seed_health,
    set_status,
)


@pytest.fixture
def engine(warehouse_url: str) -> Engine:
    return open_warehouse(warehouse_url)


def test_repeat_after_four_hours_then_resolve_once(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack
) -> None:
    seed_health(engine, "billing", "m7_escalation_rate", "warning", 0.12, 0.08)
    alert_tick(engine, config, T0, slack=slack)
    # 3 h 59 min after the fire: still firing, nothing sent.
    alert_tick(engine, config, T0 + timedelta(hours=3, minutes=59), slack=slack)
    assert len(standin.messages) == 1
    # 4 h after the fire: one repeat; the same tick again sends nothing more.
    alert_tick(engine, config, T0 + timedelta(hours=4), slack=slack)
    alert_tick(engine, config, T0 + timedelta(hours=4), slack=slack)
    # The hour is rebuilt with an ok value: one resolve, and no second one.
    set_status(engine, "billing", "m7_escalation_rate", "ok", 0.05)
    alert_tick(engine, config, T0 + timedelta(hours=5), slack=slack)
    alert_tick(engine, config, T0 + timedelta(hours=6), slack=slack)
    assert keys(standin) == [
        "m7_escalation_rate:agent=billing:1:fire:1",
        "m7_escalation_rate:agent=billing:1:repeat:2",
        "m7_escalation_rate:agent=billing:1:resolve:3",
    ]
    assert standin.messages[1]["blocks"][0]["text"]["text"].endswith(
        "WARNING (still firing) · User escalation rate")
    assert standin.messages[2]["blocks"][0]["text"]["text"].startswith(":white_check_mark: RESOLVED")
    (row,) = alert_rows(engine)
    assert (row["state"], row["episode"], row["notification_seq"]) == ("resolved", 1, 3)
    assert row["resolved_at"] == T0 + timedelta(hours=5)
    # Breaching again opens episode 2 with a new fire.
    set_status(engine, "billing", "m7_escalation_rate", "warning", 0.15)
    alert_tick(engine, config, T0 + timedelta(hours=7), slack=slack)
    assert keys(standin)[-1] == "m7_escalation_rate:agent=billing:2:fire:1"


def test_upstream_cascade_inhibits_the_downstream_completion_alert(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack
) -> None:
    # The observed edge gateway -> billing, and its cascade risk firing at the hour.
    seed_cascade(engine, "gateway", "billing")
    seed_health(engine, "gateway", "c2_cascade_risk", "critical", 0.91, 0.7,
                scope="gateway->billing", n=12)
    # billing's completion 6 of 10 = 0.6 < 0.9: a victim of the upstream cascade.
    seed_health(engine, "billing", "m5_workflow_completion", "warning", 0.6, 0.9, n=10)
    # support is not downstream of gateway: its completion alert is sent.
    seed_health(engine, "support", "m5_workflow_completion", "warning", 0.5, 0.9, n=10)
    alert_tick(engine, config, T0, slack=slack)
    assert sorted(keys(standin)) == [
        "c2_cascade_risk:edge=gateway->billing:1:fire:1",
        "m5_workflow_completion:agent=support:1:fire:1",
    ]
    rows = {(r["rule"], r["agent_id"]): r for r in alert_rows(engine)}
    victim = rows[("m5_workflow_completion", "billing")]
    assert (victim["state"], victim["inhibited_by"], victim["delivery_status"]) == (
        "firing", "gateway", "inhibited")
    assert victim["notified_at"] is None
    # The cascade clears while billing still breaches: billing is announced then.
    set_status(engine, "gateway", "c2_cascade_risk", "ok", 0.2)
    alert_tick(engine, config, T0 + timedelta(minutes=10), slack=slack)
    # Same tick, so the outbox sends in key order.
    assert keys(standin)[2:] == [
        "c2_cascade_risk:edge=gateway->billing:1:resolve:2",
        "m5_workflow_completion:agent=billing:1:fire:1",
    ]


def test_a_silence_added_with_the_cli_suppresses_and_is_recorded(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config: MonitorConfig,
    slack: Slack, capsys: pytest.CaptureFixture[str],
) -> None:
    seed_health(engine, "billing", "m4_hallucination_rate", "warning", 0.05, 0.02)
    assert main(["silence", "add", "--rule", "m4_*", "--agent", "billing", "--for", "2h",
                 "--reason", "known deploy issue", "--author", "ana",
                 "--database-url", warehouse_url]) == 0
    silence_id = capsys.readouterr().out.split()[1].rstrip(":")
    # CLI silences start at the wall clock, so these ticks use it too.
    alert_tick(engine, config, utc_now(), slack=slack)
    assert standin.messages == []
    (row,) = alert_rows(engine)
    assert (row["silenced_by"], row["delivery_status"]) == (silence_id, "silenced")
    assert main(["silence", "list", "--database-url", warehouse_url]) == 0
    listing = capsys.readouterr().out
    assert silence_id in listing and "active" in listing and "ana: known deploy issue" in listing
    assert main(["silence", "expire", silence_id, "--database-url", warehouse_url]) == 0
    # Ended while still breaching: the alert is announced now, once.
    alert_tick(engine, config, utc_now(), slack=slack)
    alert_tick(engine, config, utc_now(), slack=slack)
    assert keys(standin) == ["m4_hallucination_rate:agent=billing:1:fire:1"]
    (row,) = alert_rows(engine)
    assert row["silenced_by"] is None and row["delivery_status"] == "delivered"
