"""agent_health rows: per-rule statuses against the rules, per-agent overrides, overall status."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import parse_config
from agent_monitor.lib.health import agent_health_rows, overall_status

H = datetime(2026, 1, 6, 12)


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        (["ok", "warning", "no_data"], "warning"),
        (["ok", "critical", "warning"], "critical"),
        (["ok", "no_data"], "ok"),
        (["no_data", "no_data"], "no_data"),
        ([], "no_data"),
    ],
)
def test_overall_status_is_the_worst(statuses: list[str], overall: str) -> None:
    assert overall_status(statuses) == overall


HOUR_ROW = {
    # M1: Σw 40, Σwc 36 → 0.9; Σw·correct 30 → 0.75; divergence 0.15 over 30 reviewed.
    "n_reviewed": 30, "m1_weight_sum": 40.0, "m1_weighted_confidence_sum": 36.0,
    "m1_weighted_correct_sum": 30.0,
    # M4: 3 / 100 = 0.03 > 0.02.
    "n_responses": 100, "n_hallucination_flagged": 3,
    # M5: 10 / 10 = 1.0 ≥ 0.90.
    "n_runs_ended": 10, "n_runs_completed": 10,
    # M7: 1 / 5 sessions: fewer than 20 → no_data.
    "n_sessions": 5, "n_handoff_sessions": 1,
    # M6: no recovery, an incident open for 400 s > 300.
    "m6_open_incident_age_seconds": 400.0,
}
SIGNALS = {"p1_slope_per_hour": -0.06, "p1_hours_used": 4, "p1_hours_to_breach": 2.5,
           "p2_z": 1.5, "p2_baseline_hours": 30, "p3_acceleration": 2.0, "p3_baseline_hours": 12}
EDGES = [{"upstream_agent_id": "billing", "downstream_agent_id": "ledger", "r": 0.9, "p_value": 0.01,
          "n_buckets": 8}]


def _statuses(config: dict) -> dict[tuple[str, str], dict]:
    rules = RuleSet.from_config(parse_config(config))
    rows = agent_health_rows(H, "billing", {H: HOUR_ROW}, SIGNALS, EDGES, rules)
    assert all(r["hour"] == H and r["agent_id"] == "billing" for r in rows)
    return {(r["rule"], r["scope"]): r for r in rows}


def test_statuses_against_default_rules() -> None:
    rows = _statuses({})
    status = {k[0]: r["status"] for k, r in rows.items()}
    assert status == {
        "m1_confidence_divergence": "critical",  # 0.15 > 0.10, 30 ≥ 30 reviewed
        "m2_context_coherence": "no_data",  # no late responses
        "m3_decision_disagreement": "no_data",  # no shadow pairs
        "m4_hallucination_rate": "warning",  # 0.03 > 0.02 over 100 responses
        "m5_workflow_completion": "ok",
        "m6_recovery_time": "critical",  # open 400 s > 300 s
        "m7_escalation_rate": "no_data",  # 5 sessions < 20
        "p1_confidence_drift": "warning",  # -0.06 < -0.05 over 4 hours
        "p2_entropy_shift": "ok",  # 1.5σ ≤ 2σ
        "p3_turn_acceleration": "no_data",  # 12 baseline hours < 24
        "c2_cascade_risk": "critical",  # r 0.9 > 0.7, p 0.01 < 0.05, 8 buckets
        "overall": "critical",
    }
    m1 = rows[("m1_confidence_divergence", "")]
    assert m1["value"] == pytest.approx(0.15) and m1["threshold"] == 0.10
    assert (m1["n_samples"], m1["min_samples"]) == (30, 30)
    assert rows[("c2_cascade_risk", "billing->ledger")]["severity"] == "critical"
    assert "2.5 h" in rows[("p1_confidence_drift", "")]["reason"]
    assert "only 5 sessions" in rows[("m7_escalation_rate", "")]["reason"]
    overall = rows[("overall", "")]
    assert overall["reason"].startswith("5 rule(s) breaching")


def test_per_agent_override_changes_the_status() -> None:
    config = {"agents": {"billing": {"rules": {
        "m1_confidence_divergence": {"threshold": 0.2},  # 0.15 is now ok
        "m7_escalation_rate": {"min_samples": 5},  # 1/5 = 0.2 > 0.08 over 5 sessions → warning
        "m6_recovery_time": {"enabled": False},
        "c2_cascade_risk": {"enabled": False},
        "m4_hallucination_rate": {"threshold": 0.05},
        "p1_confidence_drift": {"threshold": -0.1},
    }}}}
    rows = _statuses(config)
    assert rows[("m1_confidence_divergence", "")]["status"] == "ok"
    assert rows[("m1_confidence_divergence", "")]["threshold"] == 0.2
    assert rows[("m7_escalation_rate", "")]["status"] == "warning"
    assert rows[("m6_recovery_time", "")]["status"] == "no_data"
    assert rows[("overall", "")]["status"] == "warning"
    # Another agent keeps the defaults.
    other = agent_health_rows(H, "ledger", {H: HOUR_ROW}, SIGNALS, [], RuleSet.from_config(parse_config(config)))
    assert {r["rule"]: r["status"] for r in other}["m1_confidence_divergence"] == "critical"


def test_no_data_everywhere_is_overall_no_data() -> None:
    rows = agent_health_rows(H, "quiet", {}, None, [], RuleSet())
    assert {r["status"] for r in rows} == {"no_data"}
    assert len(rows) == 11  # ten agent rules (no edge) + overall
    assert rows[-1]["rule"] == "overall" and rows[-1]["reason"] == "no rule has enough data"


def test_m3_is_judged_per_decision_path() -> None:
    paths = {
        # approval: 2 hours inside the 24-hour window: (3 + 2) / (10 + 10) = 0.25 > 0.15 → warning.
        (H, "approval"): {"n_shadow_pairs": 10, "n_shadow_disagreements": 3},
        (H - timedelta(hours=23), "approval"): {"n_shadow_pairs": 10, "n_shadow_disagreements": 2},
        # content: 10 / 25 = 0.4, but not a critical path → warning status, reported, not counted.
        (H, "content"): {"n_shadow_pairs": 25, "n_shadow_disagreements": 10},
        # routing: only 24 hours back, outside the window → no row.
        (H - timedelta(hours=24), "routing"): {"n_shadow_pairs": 50, "n_shadow_disagreements": 50},
    }
    rows = agent_health_rows(H, "billing", {}, None, [], RuleSet(), paths)
    m3 = {r["scope"]: r for r in rows if r["rule"] == "m3_decision_disagreement"}
    assert set(m3) == {"approval", "content"}
    assert m3["approval"]["status"] == "warning" and m3["approval"]["value"] == pytest.approx(0.25)
    assert m3["approval"]["n_samples"] == 20
    assert m3["content"]["status"] == "warning" and "not critical" in m3["content"]["reason"]
    overall = rows[-1]
    assert overall["status"] == "warning" and overall["reason"] == (
        "1 rule(s) breaching: m3_decision_disagreement[approval] (warning)")


def test_c2_carried_by_two_coincidences_is_ok() -> None:
    edges = [{**EDGES[0], "r": 1.0, "p_value": 0.0, "upstream_failing_buckets": 2,
              "downstream_failing_buckets": 3, "co_failing_buckets": 2}]
    rows = agent_health_rows(H, "billing", {}, None, edges, RuleSet())
    c2 = next(r for r in rows if r["rule"] == "c2_cascade_risk")
    assert c2["status"] == "ok" and c2["value"] == 1.0
    assert "only 2 bucket(s) had failures of both agents" in c2["reason"]


def test_a_filling_hour_is_judged_with_the_hour_before_it() -> None:
    rules = RuleSet.from_config(parse_config({}))
    before, now = H - timedelta(hours=1), H + timedelta(minutes=15)
    # 11:00–12:00: 49 of 50 runs completed. 12:00–12:15: 8 of 10 (0.80 < 0.90, ≥ 10 runs).
    hours = {before: {"n_runs_ended": 50, "n_runs_completed": 49},
             H: {"n_runs_ended": 10, "n_runs_completed": 8}}
    signals = {"p3_acceleration": 1.2, "p3_baseline_hours": 30}

    def m5(filling: datetime | None) -> dict:
        rows = agent_health_rows(H, "a", hours, signals, [], rules, filling=filling)
        return next(r for r in rows if r["rule"] == "m5_workflow_completion")

    ended = m5(None)
    assert (ended["status"], ended["value"], ended["n_samples"]) == ("warning", 0.8, 10)
    # While filling: (49 + 8) / (50 + 10) = 0.95 over 60 runs, ok, and the reason says why.
    filling = m5(now)
    assert (filling["status"], filling["value"], filling["n_samples"]) == ("ok", 0.95, 60)
    assert filling["reason"].endswith("(with the hour before: this hour is still filling, judged as of 12:15)")
    p3 = next(r for r in agent_health_rows(H, "a", hours, signals, [], rules, filling=now)
              if r["rule"] == "p3_turn_acceleration")
    assert p3["reason"].endswith("(the hour 11:00, the last complete one: this hour is still filling)")


def test_a_filling_window_needs_a_minimum_sample_in_proportion() -> None:
    rules = RuleSet.from_config(parse_config({}))
    before, now = H - timedelta(hours=1), H + timedelta(minutes=30)
    # M4 (≥ 100 responses an hour): 40 responses 11:00–12:00 and 61 since, 3 flagged. 101
    # responses over the two-hour window fall short of 2 × 100: no data, as whole hours of 40
    # would be. M6 keeps its minimum of one incident: an open incident is a fact.
    hours = {before: {"n_responses": 40, "n_flag_checked": 40, "n_hallucination_flagged": 0},
             H: {"n_responses": 61, "n_flag_checked": 61, "n_hallucination_flagged": 3,
                 "m6_open_incident_age_seconds": 400.0}}
    rows = {r["rule"]: r for r in agent_health_rows(H, "a", hours, None, [], rules, filling=now)}
    assert (rows["m4_hallucination_rate"]["status"], rows["m4_hallucination_rate"]["n_samples"]) == ("no_data", 101)
    assert rows["m4_hallucination_rate"]["reason"].startswith("only 101 primary responses, fewer than the 200 required")
    assert rows["m6_recovery_time"]["status"] == "critical"
