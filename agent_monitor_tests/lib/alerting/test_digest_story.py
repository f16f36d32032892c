"""The digest tells the period's story: what fired, what resolved and after how long, what fires now."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine

from agent_monitor.lib.alert_store.digest import build_digest
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor_tests.lib.dashboard.test_history import HOUR, H, _health, seed


def test_incidents_with_durations_and_what_fires_now(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    with warehouse_engine.connect() as connection:
        message, start, end = build_digest(connection, MonitorConfig(), H + HOUR * 10)
    # The newest health hour is 09:00: the 24 h period ends at 10:00.
    assert (start, end) == (H - HOUR * 14, H + HOUR * 10)
    text = json.dumps(message.blocks, ensure_ascii=False)
    # a: fired 04:05, resolved 06:05 → 2.0 h; b the same, inhibited by a; c fired 05:05 and
    # still fires at the period's end 10:00 → 4.9 h so far.
    assert "*Incidents in the period (3: 2 resolved, 1 still firing)*" in text
    assert "`m5_workflow_completion` on a: fired 03-01 04:05, resolved 03-01 06:05 after 2.0 h" in text
    assert ("`m5_workflow_completion` on b: fired 03-01 04:05, resolved 03-01 06:05 after 2.0 h "
            "(inhibited by a: recorded, not paged)") in text
    assert "`m4_hallucination_rate` on c: fired 03-01 05:05, still firing (4.9 h so far)" in text
    assert "*Firing now (1)*" in text and "since 2026-03-01 05:05 UTC, for 4.9 h" in text
    assert "3 incidents (2 resolved); 1 firing now" in message.text


def test_a_period_without_any_data_tells_the_last_period_with_data(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    # Hours built after the data ended (a demo run days later): all no_data up to 40:00.
    with warehouse_engine.begin() as connection:
        connection.execute(agent_health.insert(), [_health("a", h, "no_data") for h in range(10, 41)])
    with warehouse_engine.connect() as connection:
        _, start, end = build_digest(connection, MonitorConfig(), H + HOUR * 41)
    # The last hour with data is 07:00, so the period ends at 08:00, not at 41:00.
    assert (start, end) == (H + HOUR * 8 - timedelta(hours=24), H + HOUR * 8)
