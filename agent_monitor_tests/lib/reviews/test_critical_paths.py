"""One setting for critical paths: the M3 rule's `critical_paths` also drives the sampling boost."""

from __future__ import annotations

from datetime import datetime

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import ReviewSettings, parse_config
from agent_monitor.lib.reviews.selection import rule_samples

DAY = datetime(2026, 1, 5)


def _row(event_id: str, agent: str, path: str) -> dict:
    return {"event_id": event_id, "agent_id": agent, "ts": DAY, "confidence": 0.9,
            "decision_name": "d", "decision_value": "1", "decision_path": path}


def _pi(config: dict) -> dict[str, float]:
    rules = RuleSet.from_config(parse_config(config))
    rows = [_row("b-refund", "billing", "refund"), _row("b-approval", "billing", "approval"),
            _row("s-refund", "support", "refund"), _row("s-approval", "support", "approval")]
    # base_rate 1.0 × 0.3 = 0.3 keeps π below 1, so the boost shows: ×2 on a critical path.
    sampled, left_out = rule_samples(rows, [], ReviewSettings(base_rate=0.3, daily_minimum=0),
                                     rules.critical_paths)
    return {s.event_id: s.rule_probability for s in sampled + left_out}


def test_default_critical_paths_boost_approval_not_refund() -> None:
    assert _pi({}) == {"b-refund": 0.3, "b-approval": 0.6, "s-refund": 0.3, "s-approval": 0.6}


def test_the_m3_rule_s_paths_decide_the_boost_globally_and_per_agent() -> None:
    # Globally [approval, refund]; billing overrides to [refund] only.
    config = {
        "rules": {"m3_decision_disagreement": {"critical_paths": ["approval", "refund"]}},
        "agents": {"billing": {"rules": {"m3_decision_disagreement": {"critical_paths": ["refund"]}}}},
    }
    assert _pi(config) == {"b-refund": 0.6, "b-approval": 0.3, "s-refund": 0.6, "s-approval": 0.6}
