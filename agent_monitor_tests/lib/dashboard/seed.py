"""A small hand-made warehouse for the dashboard tests: three agents over six hours.

Hours 07:00–12:00 of 2024-03-01 (END = 12:00).
- alpha: versions v1 and v2 every hour i = 0…5 (07:00 + i), plus its agent-level row ('').
  confidence: v1 Σ = 9.0 − 0.5·i over 10, v2 Σ = 24.0 − 1.5·i over 30 → mean (33 − 2i)/40.
  sessions: v1 1 handoff in 10, v2 3 in 10 → M7 = 4/20 = 0.2 every hour.
  runs (agent-level row only): 3 completed of 4 ended → M5 = 0.75.
  P1 slope at hour i: −0.02 − 0.01·i.
- beta: agent-level row only, hours 09, 11, 12 (10 missing): confidence 18/20 = 0.9,
  1 handoff in 25 sessions = 0.04, no run ended (M5 no data). P1 at 11: 0.0, at 12: 0.01.
- gamma: no metrics; agent_health only at 08:00, every rule no_data.
agent_health (latest hour per agent): alpha at 12 (and an all-ok hour 11 that must be ignored),
beta at 12 all ok, gamma at 08 all no_data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from agent_monitor.lib.dashboard.data import METRIC_RULES, SIGNAL_RULES
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly
from agent_monitor.lib.warehouse.tables_signals import drift_signals_hourly

END = datetime(2024, 3, 1, 12)
START = END - timedelta(hours=5)
BUILT = datetime(2024, 3, 1, 13)
AGENTS = ("alpha", "beta", "gamma")

# alpha's statuses at 12:00, in the table's column order (overall, M1–M7, P1–P3).
ALPHA_STATUSES: dict[str, str] = {
    "overall": "critical",
    "m1_confidence_divergence": "ok",
    "m2_context_coherence": "no_data",
    "m3_decision_disagreement": "warning",  # worst of: approval warning, refund ok
    "m4_hallucination_rate": "critical",
    "m5_workflow_completion": "warning",
    "m6_recovery_time": "ok",
    "m7_escalation_rate": "warning",
    "p1_confidence_drift": "ok",
    "p2_entropy_shift": "ok",
    "p3_turn_acceleration": "ok",
}


def hour(i: int) -> datetime:
    return START + timedelta(hours=i)


def _metrics(hour_: datetime, agent: str, version: str, **values: Any) -> dict[str, Any]:
    return {"hour": hour_, "agent_id": agent, "agent_version": version, "n_responses": 0,
            "built_at": BUILT, **values}


def metric_rows(names: tuple[str, str] = ("alpha", "beta")) -> list[dict[str, Any]]:
    alpha, beta = names
    rows = []
    for i in range(6):
        rows += [
            _metrics(hour(i), alpha, "v1", n_responses=10, n_confidence=10,
                     confidence_sum=9.0 - 0.5 * i, n_sessions=10, n_handoff_sessions=1),
            _metrics(hour(i), alpha, "v2", n_responses=30, n_confidence=30,
                     confidence_sum=24.0 - 1.5 * i, n_sessions=10, n_handoff_sessions=3),
            _metrics(hour(i), alpha, "", n_confidence=0, n_sessions=0, n_handoff_sessions=0,
                     n_runs_ended=4, n_runs_completed=3, m5_completion_rate=0.75),
        ]
    for i in (2, 4, 5):
        rows.append(_metrics(hour(i), beta, "", n_responses=20, n_confidence=20,
                             confidence_sum=18.0, n_sessions=25, n_handoff_sessions=1,
                             n_runs_ended=0, n_runs_completed=0))
    return rows


def signal_rows(names: tuple[str, str] = ("alpha", "beta")) -> list[dict[str, Any]]:
    alpha, beta = names
    rows = [{"hour": hour(i), "agent_id": alpha, "p1_slope_per_hour": -0.02 - 0.01 * i,
             "built_at": BUILT} for i in range(6)]
    rows += [{"hour": hour(4), "agent_id": beta, "p1_slope_per_hour": 0.0, "built_at": BUILT},
             {"hour": hour(5), "agent_id": beta, "p1_slope_per_hour": 0.01, "built_at": BUILT}]
    return rows


def _health(hour_: datetime, agent: str, rule: str, status: str, scope: str = "",
            value: float | None = None, reason: str = "") -> dict[str, Any]:
    return {"hour": hour_, "agent_id": agent, "rule": rule, "scope": scope, "status": status,
            "value": value, "threshold": None, "reason": reason, "built_at": BUILT}


def health_rows(names: tuple[str, str, str] = AGENTS) -> list[dict[str, Any]]:
    alpha, beta, gamma = names
    rules = (*METRIC_RULES, *SIGNAL_RULES)
    rows = [_health(hour(4), alpha, r, "ok") for r in (*rules, "overall")]
    for rule, status in ALPHA_STATUSES.items():
        if rule == "m3_decision_disagreement":
            rows.append(_health(END, alpha, rule, "warning", "approval", 0.2, "0.200 is above"))
            rows.append(_health(END, alpha, rule, "ok", "refund", 0.05))
        else:
            value = 0.05 if rule == "m4_hallucination_rate" else None
            rows.append(_health(END, alpha, rule, status, value=value, reason=f"{rule} {status}"))
    rows += [_health(END, beta, r, "ok", value=0.01) for r in (*rules, "overall")]
    rows += [_health(hour(1), gamma, r, "no_data") for r in (*rules, "overall")]
    return rows


def uniform(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same keys on every row (missing ones None), as executemany needs."""
    keys = {key for row in rows for key in row}
    return [{key: row.get(key) for key in keys} for row in rows]


def seed(engine: Engine, names: tuple[str, str, str] = AGENTS) -> None:
    """Write the rows above into an empty warehouse."""
    with engine.begin() as connection:
        connection.execute(insert(agent_metrics_hourly), uniform(metric_rows(names[:2])))
        connection.execute(insert(drift_signals_hourly), uniform(signal_rows(names[:2])))
        connection.execute(insert(agent_health), uniform(health_rows(names)))
