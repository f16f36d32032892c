"""The rule evaluator and per-agent overrides, with hand-worked cases."""

from __future__ import annotations

import pytest

from agent_monitor.lib.alerting.rules import RuleSet, evaluate, m6_value
from agent_monitor.lib.config import parse_config

DEFAULTS = RuleSet()


@pytest.mark.parametrize(
    ("rule", "value", "n", "expected"),
    [
        # M1: divergence 0.14 > 0.10 with 45 ≥ 30 reviewed -> critical
        ("m1_confidence_divergence", 0.14, 45, "critical"),
        # exactly at the threshold is not a breach (strictly above)
        ("m1_confidence_divergence", 0.10, 45, "ok"),
        # 29 reviewed < 30 -> not evaluated
        ("m1_confidence_divergence", 0.50, 29, "no_data"),
        ("m1_confidence_divergence", None, 100, "no_data"),
        # M2 direction below: 0.25 < 0.3 with 20 late responses -> warning
        ("m2_context_coherence", 0.25, 20, "warning"),
        ("m2_context_coherence", 0.30, 20, "ok"),
        # M4: 3/100 = 0.03 > 0.02 -> warning (default severity of M4)
        ("m4_hallucination_rate", 0.03, 100, "warning"),
        ("m4_hallucination_rate", 0.03, 99, "no_data"),
        # M5: 8/10 = 0.8 < 0.9 -> warning
        ("m5_workflow_completion", 0.8, 10, "warning"),
        # M6: 301 s > 300 s -> critical
        ("m6_recovery_time", 301.0, 1, "critical"),
        ("m6_recovery_time", 300.0, 1, "ok"),
        # M7: 9/100 = 0.09 > 0.08 over the minimum 100 sessions; 99 sessions is below it
        ("m7_escalation_rate", 0.09, 100, "warning"),
        ("m7_escalation_rate", 0.09, 99, "no_data"),
        # P1: slope -0.06/h < -0.05/h over 4 qualifying hours
        ("p1_confidence_drift", -0.06, 4, "warning"),
        ("p1_confidence_drift", -0.04, 6, "ok"),
        # P2: z = (1.9 - 1.5) / 0.1 = 4 > 2
        ("p2_entropy_shift", (1.9 - 1.5) / 0.1, 24, "warning"),
        # P3: 1.6 > 1.5
        ("p3_turn_acceleration", 1.6, 30, "warning"),
    ],
)
def test_evaluate_defaults(rule: str, value: float | None, n: int, expected: str) -> None:
    assert evaluate(DEFAULTS.for_agent("billing", rule), value, n).status == expected


def test_reason_is_a_sentence_naming_value_threshold_and_samples() -> None:
    status = evaluate(DEFAULTS.for_agent("a", "m1_confidence_divergence"), 0.14, 45)
    assert status.reason == (
        "0.140 is above the critical threshold 0.100 over 45 reviewed responses"
    )
    short = evaluate(DEFAULTS.for_agent("a", "m1_confidence_divergence"), 0.14, 12)
    assert short.reason == "only 12 reviewed responses, fewer than the 30 required"


def test_warning_threshold_reports_warning_below_critical() -> None:
    rules = RuleSet.from_config(parse_config(
        {"rules": {"m1_confidence_divergence": {"warning_threshold": 0.07}}}
    ))
    rule = rules.for_agent("a", "m1_confidence_divergence")
    # 0.08 is above 0.07 (warning) but not above 0.10 (critical)
    assert evaluate(rule, 0.08, 30).status == "warning"
    assert evaluate(rule, 0.11, 30).status == "critical"
    assert evaluate(rule, 0.06, 30).status == "ok"


def test_m3_non_critical_path_is_reported_not_alerted() -> None:
    rule = DEFAULTS.for_agent("a", "m3_decision_disagreement")
    # 5 disagreements / 20 pairs = 0.25 > 0.15
    on_approval = evaluate(rule, 5 / 20, 20, decision_path="approval")
    on_content = evaluate(rule, 5 / 20, 20, decision_path="content")
    assert (on_approval.status, on_approval.breaching) == ("warning", True)
    assert (on_content.status, on_content.breaching) == ("warning", False)


@pytest.mark.parametrize(
    ("r", "p", "buckets", "expected", "breaching"),
    [
        (0.82, 0.01, 8, "critical", True),
        (0.82, 0.09, 8, "ok", False),  # not significant: p ≥ 0.05
        (0.82, 0.01, 7, "no_data", False),  # fewer than 8 buckets
        (0.65, 0.001, 12, "ok", False),
    ],
)
def test_c2_needs_r_p_and_buckets(
    r: float, p: float, buckets: int, expected: str, breaching: bool
) -> None:
    status = evaluate(DEFAULTS.for_agent("u", "c2_cascade_risk"), r, buckets, p_value=p)
    assert (status.status, status.breaching) == (expected, breaching)


def test_agent_overrides_layer_over_global_and_catalogue() -> None:
    config = parse_config({
        "rules": {"m4_hallucination_rate": {"threshold": 0.05, "min_samples": 50},
                  "p1_confidence_drift": {"confidence_floor": 0.65}},
        "agents": {"billing": {"confidence_floor": 0.6,
                               "rules": {"m4_hallucination_rate": {"threshold": 0.01,
                                                                   "severity": "critical"}}}},
    })
    rules = RuleSet.from_config(config)
    billing = rules.for_agent("billing", "m4_hallucination_rate")
    other = rules.for_agent("search", "m4_hallucination_rate")
    assert (billing.threshold, billing.min_samples, billing.severity) == (0.01, 50, "critical")
    assert (other.threshold, other.min_samples, other.severity) == (0.05, 50, "warning")
    assert rules.confidence_floor("billing") == 0.6
    assert rules.confidence_floor("search") == 0.65
    assert DEFAULTS.confidence_floor("search") == 0.7


def test_disabled_rule_is_never_alertable() -> None:
    rules = RuleSet.from_config(parse_config({"rules": {"m7_escalation_rate": {"enabled": False}}}))
    status = evaluate(rules.for_agent("a", "m7_escalation_rate"), 0.5, 100)
    assert (status.status, status.breaching) == ("no_data", False)


def test_m6_value_takes_the_worse_of_mttr_and_open_age() -> None:
    assert m6_value(120.0, 400.0) == 400.0
    assert m6_value(None, None) is None
    assert m6_value(250.0, None) == 250.0
