"""Rule values from hourly rollup rows: exact re-aggregation over each rule's window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agent_monitor.lib.health.values import edge_values, metric_values, signal_values, trailing

H = datetime(2026, 1, 6, 12)
HOUR = timedelta(hours=1)
WINDOWS = {"m1_confidence_divergence": 24, "m2_context_coherence": 24, "m3_decision_disagreement": 24,
           "m4_hallucination_rate": 1, "m5_workflow_completion": 1, "m6_recovery_time": 1,
           "m7_escalation_rate": 1}

HOURS = {
    # 24 hours back: outside every window, would swamp M1 if counted.
    H - HOUR * 24: {"n_reviewed": 100, "m1_weight_sum": 1000.0, "m1_weighted_confidence_sum": 1000.0,
                    "m1_weighted_correct_sum": 0.0},
    H - HOUR * 23: {"n_reviewed": 16, "m1_weight_sum": 20.0, "m1_weighted_confidence_sum": 16.0,
                    "m1_weighted_correct_sum": 18.0, "n_late_responses": 10, "m2_early_refs": 3,
                    "m2_recent_refs": 10, "n_responses": 500, "n_hallucination_flagged": 50,
                    "n_incidents_recovered": 5, "m6_recovery_seconds_sum": 5000.0,
                    "m6_open_incident_age_seconds": 9000.0},
    H: {"n_reviewed": 15, "m1_weight_sum": 20.0, "m1_weighted_confidence_sum": 18.0,
        "m1_weighted_correct_sum": 14.0, "n_late_responses": 12, "m2_early_refs": 2, "m2_recent_refs": 10,
        "n_shadow_pairs": 20, "n_shadow_disagreements": 4, "n_responses": 100, "n_hallucination_flagged": 3,
        "n_runs_ended": 10, "n_runs_completed": 8, "n_incidents_recovered": 2,
        "m6_recovery_seconds_sum": 500.0, "m6_open_incident_age_seconds": 400.0,
        "n_sessions": 25, "n_handoff_sessions": 0},
}


def test_trailing_window_is_inclusive_of_the_hour() -> None:
    assert sorted(trailing(HOURS, H, 24)) == [H - HOUR * 23, H]
    assert sorted(trailing(HOURS, H, 1)) == [H]


@pytest.mark.parametrize(
    ("rule", "value", "n"),
    [
        # Σw = 40, Σwc = 34 → 0.85, Σw·correct = 32 → 0.80; |0.85 - 0.80| = 0.05; 16 + 15 reviewed.
        ("m1_confidence_divergence", 0.05, 31),
        # early 3 + 2 = 5, recent 10 + 10 = 20 → 0.25 over 10 + 12 late responses.
        ("m2_context_coherence", 0.25, 22),
        ("m3_decision_disagreement", 0.2, 20),  # 4 / 20
        ("m4_hallucination_rate", 0.03, 100),  # 3 / 100, this hour only
        ("m5_workflow_completion", 0.8, 10),  # 8 / 10
        # MTTR 500 / 2 = 250 s; open incident 400 s at the hour's end → max 400; 2 + 1 samples.
        ("m6_recovery_time", 400.0, 3),
        ("m7_escalation_rate", 0.0, 25),  # 0 / 25: zero, not no data
    ],
)
def test_metric_values(rule: str, value: float, n: int) -> None:
    measured = {v.rule: v for v in metric_values(HOURS, H, WINDOWS)}[rule]
    assert measured.value == pytest.approx(value)
    assert measured.n_samples == n
    assert measured.scope == ""


def test_empty_denominators_are_no_data() -> None:
    measured = {v.rule: v for v in metric_values({H: {"n_responses": 0}}, H, WINDOWS)}
    assert measured["m4_hallucination_rate"].value is None
    assert measured["m1_confidence_divergence"].value is None
    assert measured["m6_recovery_time"].value is None and measured["m6_recovery_time"].n_samples == 0


def test_signal_and_edge_values() -> None:
    p1, p2, p3 = signal_values({"p1_slope_per_hour": -0.06, "p1_hours_used": 5, "p1_hours_to_breach": 2.5,
                                "p2_z": 3.1, "p2_baseline_hours": 30, "p3_acceleration": None,
                                "p3_baseline_hours": 10})
    assert (p1.value, p1.n_samples, p1.hours_to_breach) == (-0.06, 5, 2.5)
    assert (p2.value, p2.n_samples) == (3.1, 30)
    assert (p3.value, p3.n_samples) == (None, 10)
    assert [v.value for v in signal_values(None)] == [None, None, None]
    (edge,) = edge_values([{"upstream_agent_id": "api", "downstream_agent_id": "worker", "r": 0.9,
                            "p_value": 0.01, "n_buckets": 9}])
    assert (edge.rule, edge.scope, edge.value, edge.n_samples, edge.p_value) == (
        "c2_cascade_risk", "api->worker", 0.9, 9, 0.01)
