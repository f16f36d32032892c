"""Fixtures: a Slack stand-in on loopback, a warehouse, a config pointing at both, seed rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, insert, select

from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.lib.config import MonitorConfig, parse_config
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.tables_alerting import alert_notifications, alerts
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations

CHANNEL = "C0ALERTS01"
TOKEN = "xoxb-test-token-123"
HOUR = datetime(2025, 3, 1, 10)  # the agent_health hour the tests alert on
T0 = datetime(2025, 3, 1, 11, 5)  # the first tick (tests pass time explicitly)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        yield server


def config_dict(standin: SlackStandIn) -> dict[str, Any]:
    return {
        "slack": {"channel": CHANNEL, "base_url": standin.base_url, "timeout_seconds": 0.5,
                  "max_attempts_per_tick": 2, "max_retry_wait_seconds": 1.0,
                  "late_post_window_seconds": 0.3},
        "links": {"dagster_ui_base_url": "http://dagster.test",
                  "dashboard_url": "http://dash.test/", "runbook_url": "http://runbook.test/a",
                  "trace_url_template": "http://traces.test/t/{trace_id}"},
    }


@pytest.fixture
def config(standin: SlackStandIn) -> MonitorConfig:
    return parse_config(config_dict(standin))


@pytest.fixture
def config_path(standin: SlackStandIn, tmp_path: Path) -> Path:
    path = tmp_path / "agent_monitor.yaml"
    path.write_text(yaml.safe_dump(config_dict(standin)))
    return path


@pytest.fixture
def slack(standin: SlackStandIn) -> Slack:
    return Slack(token=TOKEN, base_url=standin.base_url, channel=CHANNEL, timeout_seconds=0.5,
                 max_attempts_per_tick=2, max_retry_wait_seconds=1.0, late_post_window_seconds=0.3)


def seed_health(
    engine: Engine, agent: str, rule: str, status: str, value: float | None, threshold: float,
    *, hour: datetime = HOUR, scope: str = "", reason: str = "seeded", n: int = 500,
) -> None:
    """One agent_health row, as the agent_health asset would write it."""
    with engine.begin() as connection:
        connection.execute(insert(agent_health), [{
            "hour": hour, "agent_id": agent, "rule": rule, "scope": scope, "status": status,
            "value": value, "threshold": threshold, "n_samples": n, "reason": reason,
            "built_at": hour,
        }])


def seed_cascade(engine: Engine, upstream: str, downstream: str, hour: datetime = HOUR) -> None:
    """A cascade_correlations row with cascade risk on the edge (r 0.91, p 0.001, 12 buckets)."""
    with engine.begin() as connection:
        connection.execute(insert(cascade_correlations), [{
            "hour": hour, "upstream_agent_id": upstream, "downstream_agent_id": downstream,
            "window_start": hour - timedelta(hours=23), "window_end": hour + timedelta(hours=1),
            "n_buckets": 12, "r": 0.91, "p_value": 0.001, "cascade_risk": True,
            "co_failing_buckets": 4, "built_at": hour,
        }])


def set_status(engine: Engine, agent: str, rule: str, status: str, value: float,
               hour: datetime = HOUR) -> None:
    """Rewrite a seeded row (a rebuild of the hour)."""
    with engine.begin() as connection:
        connection.execute(agent_health.update().where(
            agent_health.c.agent_id == agent, agent_health.c.rule == rule,
            agent_health.c.hour == hour).values(status=status, value=value))


def alert_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(alerts).order_by(alerts.c.rule, alerts.c.scope_key, alerts.c.episode)
        return [dict(r) for r in connection.execute(query).mappings()]


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(alert_notifications).order_by(alert_notifications.c.created_at,
                                                     alert_notifications.c.idempotency_key)
        return [dict(r) for r in connection.execute(query).mappings()]


def keys(standin: SlackStandIn) -> list[str]:
    """Idempotency keys of the posted messages, in posting order."""
    return [m["metadata"]["event_payload"]["key"] for m in standin.messages]
