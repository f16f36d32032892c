"""The dashboard's window data, read from a hand-seeded warehouse (see seed.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, insert

from agent_monitor.lib.dashboard.data import load_dashboard_data, window_hours
from agent_monitor.lib.warehouse.tables_alerting import alerts
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor_tests.lib.dashboard.seed import ALPHA_STATUSES, END, hour, seed


def test_window_hours_end_inclusive() -> None:
    # 3 hours ending at 12:00 → 10:00, 11:00, 12:00
    assert window_hours(END, 3) == (hour(3), hour(4), hour(5))


def test_empty_warehouse_has_no_window(warehouse_engine: Engine) -> None:
    with warehouse_engine.connect() as connection:
        data = load_dashboard_data(connection, 72)
    assert (data.hours, data.agents, data.alerts) == ((), (), [])


def test_series_and_latest_health(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    with warehouse_engine.connect() as connection:
        data = load_dashboard_data(connection, 6)  # ends at the newest hour: 12:00
    assert data.hours == tuple(hour(i) for i in range(6))
    assert data.agents == ("alpha", "beta", "gamma")
    # alpha: (v1 Σ 9 − 0.5i + v2 Σ 24 − 1.5i) / (10 + 30) = (33 − 2i)/40; the '' row adds 0 / 0
    assert data.series["mean_confidence"]["alpha"] == pytest.approx(
        [0.825, 0.775, 0.725, 0.675, 0.625, 0.575])
    assert data.series["mean_confidence"]["beta"] == [None, None, 0.9, None, 0.9, 0.9]  # 18/20
    assert data.series["mean_confidence"]["gamma"] == [None] * 6
    # M7 alpha: (1 + 3) / (10 + 10) = 0.2; beta 1/25 = 0.04
    assert data.series["m7_escalation_rate"]["alpha"] == pytest.approx([0.2] * 6)
    assert data.series["m7_escalation_rate"]["beta"] == pytest.approx(
        [None, None, 0.04, None, 0.04, 0.04])
    # M5 alpha 3/4 on the agent-level row; beta ended no run → no data
    assert data.series["m5_completion_rate"]["alpha"] == [0.75] * 6
    assert data.series["m5_completion_rate"]["beta"] == [None] * 6
    assert data.series["p1_slope_per_hour"]["alpha"] == pytest.approx(
        [-0.02, -0.03, -0.04, -0.05, -0.06, -0.07])
    assert data.series["p1_slope_per_hour"]["beta"] == [None, None, None, None, 0.0, 0.01]

    alpha = data.health["alpha"]
    assert alpha.hour == END  # the all-ok hour 11:00 is not the latest
    assert alpha.overall == "critical"
    for rule, status in ALPHA_STATUSES.items():
        if rule != "overall":
            assert alpha.cell(rule).status == status, rule
    assert alpha.cell("m3_decision_disagreement").scope == "approval"  # worst scope shown
    assert alpha.cell("m4_hallucination_rate").value == 0.05
    assert data.health["gamma"].hour == hour(1)
    assert data.health["gamma"].overall == "no_data"
    # M1–M7 cells: alpha ok 2, no_data 1, warning 3, critical 1; beta ok 7; gamma no_data 7
    assert data.status_counts() == {"critical": 1, "warning": 3, "ok": 9, "no_data": 8}
    assert data.overall_counts() == {"critical": 1, "warning": 0, "ok": 1, "no_data": 1}


def test_window_drops_agents_without_rows_in_it(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    with warehouse_engine.connect() as connection:
        data = load_dashboard_data(connection, 2, end_hour=END)  # 11:00 and 12:00
    # gamma's only row is at 08:00
    assert data.agents == ("alpha", "beta")
    assert data.series["mean_confidence"]["beta"] == [0.9, 0.9]


def test_only_firing_alerts_are_listed(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    base = {"episode": 1, "scope": "", "severity": "warning", "value": 0.2, "threshold": 0.08,
            "reason": "r", "first_seen": END, "last_seen": END, "updated_at": END}
    rows = [
        {**base, "rule": "m7_escalation_rate", "scope_key": "agent=alpha",
         "alert_key": "m7_escalation_rate:agent=alpha", "agent_id": "alpha", "state": "firing"},
        {**base, "rule": "m4_hallucination_rate", "scope_key": "agent=beta",
         "alert_key": "m4_hallucination_rate:agent=beta", "agent_id": "beta", "state": "resolved"},
    ]
    with warehouse_engine.begin() as connection:
        connection.execute(insert(alerts), rows)
    with warehouse_engine.connect() as connection:
        data = load_dashboard_data(connection, 6)
    assert data.alerts is not None
    assert [(a["agent_id"], a["rule"]) for a in data.alerts] == [("alpha", "m7_escalation_rate")]
    assert data.alerts[0]["first_seen"] == datetime(2024, 3, 1, 12)


def test_a_quiet_latest_hour_does_not_hide_the_last_known_status(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    # beta is all ok at 12:00 (END); at 13:00 it went quiet: every rule no_data.
    quiet = [{"hour": hour(6), "agent_id": "beta", "rule": rule, "scope": "", "status": "no_data",
              "built_at": END} for rule in ("m4_hallucination_rate", "overall")]
    with warehouse_engine.begin() as connection:
        connection.execute(insert(agent_health), quiet)
    with warehouse_engine.connect() as connection:
        data = load_dashboard_data(connection, 6, end_hour=hour(6))
    assert data.health["beta"].hour == END
    assert data.health["beta"].overall == "ok"
    # gamma never had data: its newest hour stays, all no_data.
    assert data.health["gamma"].hour == hour(1)
