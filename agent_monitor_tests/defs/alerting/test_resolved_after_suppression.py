"""SPEC §8 "Resolved": a sent page gets exactly one resolved message, even when silenced or
inhibited in between — tick by tick through the alert sensor and the loopback Slack stand-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from agent_monitor.defs.alerting.sensors import evaluate_alert_sensor
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.alert_store.silences import add_silence
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.alerting.conftest import (
    T0,
    TOKEN,
    alert_rows,
    keys,
    seed_cascade,
    seed_health,
    set_status,
)

MINUTE = timedelta(minutes=1)


@pytest.fixture
def engine(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    return open_warehouse(warehouse_url)


def tick(url: str, config_path: Path, minutes: int) -> None:
    """One alert sensor evaluation, `minutes` after T0."""
    warehouse, settings = Warehouse(url=url), MonitorSettings(path=str(config_path))
    with dg.build_sensor_context(resources={"warehouse": warehouse, "settings": settings}) as context:
        evaluate_alert_sensor(context, warehouse, settings, T0 + MINUTE * minutes)


def test_paged_then_silenced_then_cleared_gets_one_resolved_message(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path
) -> None:
    seed_health(engine, "billing", "m4_hallucination_rate", "warning", 0.05, 0.02)
    tick(warehouse_url, config_path, 0)  # fire: paged
    with engine.begin() as connection:
        add_silence(connection, rule="m4_*", agent="billing", ends_at=T0 + timedelta(days=1),
                    reason="known deploy issue", author="ana", now=T0 + MINUTE * 5)
    tick(warehouse_url, config_path, 10)  # still breaching, silenced: recorded, not sent
    assert keys(standin) == ["m4_hallucination_rate:agent=billing:1:fire:1"]
    (row,) = alert_rows(engine)
    assert (row["state"], row["delivery_status"]) == ("firing", "silenced")
    set_status(engine, "billing", "m4_hallucination_rate", "ok", 0.01)  # the hour is rebuilt
    tick(warehouse_url, config_path, 20)  # cleared while the silence holds: the all-clear
    tick(warehouse_url, config_path, 30)  # and only once
    tick(warehouse_url, config_path, 30)  # (a re-run of the same tick too)
    assert keys(standin) == ["m4_hallucination_rate:agent=billing:1:fire:1",
                             "m4_hallucination_rate:agent=billing:1:resolve:2"]
    assert standin.messages[1]["blocks"][0]["text"]["text"].startswith(":white_check_mark: RESOLVED")
    (row,) = alert_rows(engine)
    assert (row["state"], row["resolved_at"], row["delivery_status"]) == (
        "resolved", T0 + MINUTE * 20, "delivered")


def test_paged_then_inhibited_then_cleared_gets_one_resolved_message(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path
) -> None:
    # billing's completion (6 of 10 runs) pages first.
    seed_health(engine, "billing", "m5_workflow_completion", "warning", 0.6, 0.9, n=10)
    tick(warehouse_url, config_path, 0)
    # Then its upstream gateway's cascade risk fires (edge gateway -> billing): gateway is
    # paged, billing's alert is inhibited from now on.
    seed_cascade(engine, "gateway", "billing")
    seed_health(engine, "gateway", "c2_cascade_risk", "critical", 0.91, 0.7,
                scope="gateway->billing", n=12)
    tick(warehouse_url, config_path, 10)
    rows = {r["rule"]: r for r in alert_rows(engine)}
    assert (rows["m5_workflow_completion"]["inhibited_by"],
            rows["m5_workflow_completion"]["delivery_status"]) == ("gateway", "inhibited")
    # billing recovers while gateway still fires: billing's page is resolved, once.
    set_status(engine, "billing", "m5_workflow_completion", "ok", 0.95)
    tick(warehouse_url, config_path, 20)
    tick(warehouse_url, config_path, 30)
    assert keys(standin) == [
        "m5_workflow_completion:agent=billing:1:fire:1",
        "c2_cascade_risk:edge=gateway->billing:1:fire:1",
        "m5_workflow_completion:agent=billing:1:resolve:2",
    ]


def test_an_alert_silenced_from_the_start_resolves_without_a_message(
    warehouse_url: str, engine: Engine, standin: SlackStandIn, config_path: Path
) -> None:
    with engine.begin() as connection:
        add_silence(connection, rule="*", agent="billing", ends_at=T0 + timedelta(days=1),
                    reason="maintenance", author="ana", now=T0 - MINUTE)
    seed_health(engine, "billing", "m4_hallucination_rate", "warning", 0.05, 0.02)
    tick(warehouse_url, config_path, 0)
    set_status(engine, "billing", "m4_hallucination_rate", "ok", 0.01)
    tick(warehouse_url, config_path, 10)
    assert standin.messages == []
    (row,) = alert_rows(engine)
    assert (row["state"], row["notified_at"]) == ("resolved", None)
