"""agent-monitor backtest on a hand-made history: thresholds, minimum samples, the alerts that
actually fired, silences, inhibition and the ground truth."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.defs.alerting.sensors import alert_tick
from agent_monitor.defs.health.assets import agent_health
from agent_monitor.lib.alert_store.silences import add_silence
from agent_monitor.lib.backtest import Proposal, run_backtest, text_report
from agent_monitor.lib.config import ConfigError, MonitorConfig, parse_config
from agent_monitor_tests.defs.alerting.conftest import seed_cascade
from agent_monitor_tests.defs.signals.seed import config_file, materialize, seed_metrics
from agent_monitor_tests.lib.backtest.history import HOURS, TICK, at, seed_m4_history

M4 = "m4_hallucination_rate"


def backtest(engine: Engine, **proposal: object) -> list[tuple[int, int, float, str]]:
    """(first breach hour, last breach hour, peak, fate) of each M4 episode over hours 0..11."""
    result = run_backtest(engine, MonitorConfig(), Proposal(rule=M4, **proposal),  # type: ignore[arg-type]
                          at(0), at(HOURS))
    return [(e.first_hour.hour, e.last_breach_hour.hour, round(e.peak or 0, 6), e.fate)
            for e in result.episodes]


def test_raising_the_threshold_removes_exactly_the_episodes_below_it(warehouse_engine: Engine) -> None:
    seed_m4_history(warehouse_engine)
    # Rates per hour (of 200): hour 2 5 → 0.025; hours 5, 6 10, 12 → 0.05, 0.06; hour 9 7 →
    # 0.035; else 0.01. At the configured 0.02: three episodes, hours 2, 5–6 and 9.
    everything = [(2, 2, 0.025, "paged"), (5, 6, 0.06, "paged"), (9, 9, 0.035, "paged")]
    assert backtest(warehouse_engine) == everything
    for threshold, kept in [(0.03, everything[1:]), (0.04, [everything[1]]), (0.06, [])]:
        got = backtest(warehouse_engine, threshold=threshold)
        assert got == kept
        # Removed: exactly the episodes whose peak is not above the new threshold.
        assert [e for e in everything if e not in got] == [e for e in everything if e[2] <= threshold]
    # 0.0599 keeps hours 5–6 but only hour 6 breaches now: the episode begins there.
    assert backtest(warehouse_engine, threshold=0.0599) == [(6, 6, 0.06, "paged")]


def test_a_larger_minimum_sample_and_another_severity(warehouse_engine: Engine) -> None:
    seed_m4_history(warehouse_engine)
    assert backtest(warehouse_engine, min_samples=201) == []  # 200 responses per hour: no data
    result = run_backtest(warehouse_engine, MonitorConfig(),
                          Proposal(rule=M4, threshold=0.04, severity="critical"), at(0), at(HOURS))
    assert [(e.first_hour.hour, e.severity) for e in result.episodes] == [(5, "critical")]
    assert result.setting == ("threshold 0.04 (configured 0.02), min_samples 100, "
                              "severity critical (configured warning)")


def test_a_proposal_that_is_not_a_valid_configuration_names_the_key(warehouse_engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"rules.m4_hallucination_rate.threshold: 1.5 is outside \[0, 1\]"):
        run_backtest(warehouse_engine, MonitorConfig(), Proposal(rule=M4, threshold=1.5), at(0), at(1))
    with pytest.raises(ConfigError, match="threshold: a proposed setting needs the rule"):
        run_backtest(warehouse_engine, MonitorConfig(), Proposal(threshold=0.1), at(0), at(1))


def test_per_agent_overrides_of_the_rule_are_replaced_too(warehouse_engine: Engine) -> None:
    seed_m4_history(warehouse_engine)
    # billing's own threshold 0.05 would hide hours 2 and 9; the proposal sets 0.03 for all.
    config = parse_config({"agents": {"billing": {"rules": {M4: {"threshold": 0.05}}}}})
    result = run_backtest(warehouse_engine, config, Proposal(rule=M4, threshold=0.03), at(0), at(HOURS))
    assert [e.first_hour.hour for e in result.episodes] == [5, 9]


def test_next_to_what_actually_fired(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    seed_m4_history(warehouse_engine)
    # The real history: agent_health built by the asset, then one sensor tick per hour.
    assert materialize(warehouse_url, config_file(tmp_path), [agent_health], at(0), at(HOURS - 1)).success
    for hour in range(HOURS):
        alert_tick(warehouse_engine, MonitorConfig(), at(hour) + TICK, as_of=at(hour + 1))
    # As configured, the backtest replays exactly what the sensor did: same episodes, times.
    same = run_backtest(warehouse_engine, MonitorConfig(), Proposal(rule=M4), at(0), at(HOURS))
    assert [(a["first_seen"], a["resolved_at"]) for a in same.actual] == [
        (e.first_seen, e.resolved_at) for e in same.episodes] == [
        (at(2) + TICK, at(3) + TICK), (at(5) + TICK, at(7) + TICK), (at(9) + TICK, at(10) + TICK)]
    # With 0.03, the actual hour-2 alert is the one the proposal would not have fired.
    raised = run_backtest(warehouse_engine, MonitorConfig(), Proposal(rule=M4, threshold=0.03),
                          at(0), at(HOURS))
    report = text_report(raised)
    assert "would have: 2 episode(s) — 2 paged, 0 inhibited, 0 silenced; 2 resolved" in report
    assert "actually (alerts table): 3 episode(s)" in report
    actual_lines = report.split("what actually fired (alerts table):")[1].splitlines()[2:]
    assert ["01-05 03:05" in line and "would NOT fire" in line for line in actual_lines] == [
        True, False, False]
    assert all("fired too" in line for line in
               report.split("episodes with the proposed configuration:")[1].splitlines()[2:4])


def test_a_silence_then_in_force_is_applied(warehouse_engine: Engine) -> None:
    seed_m4_history(warehouse_engine)
    # Silence of M4 on billing from 09:30 to 11:00: the 10:05 tick (hour 9) is silenced, and
    # the resolution at 11:05 sends nothing, since no page went out.
    with warehouse_engine.begin() as connection:
        add_silence(connection, rule="m4_*", agent="billing", ends_at=at(11), reason="deploy",
                    author="ana", now=at(9) + timedelta(minutes=30))
    result = run_backtest(warehouse_engine, MonitorConfig(), Proposal(rule=M4), at(0), at(HOURS))
    (hour9,) = [e for e in result.episodes if e.first_hour == at(9)]
    assert (hour9.fate, hour9.paged_at, hour9.resolved_at, hour9.resolve_sent) == (
        "silenced", None, at(10) + TICK, False)


def test_an_inhibited_victim_and_its_root(warehouse_engine: Engine) -> None:
    # Hours 5–6: gateway -> billing carries cascade risk (r 0.91, p 0.001, 12 buckets, 4 with
    # failures of both), and billing completes 6 of 10 runs (0.6 < 0.9). Every rule as
    # configured: gateway's C2 pages; billing's M5 is inhibited by gateway, never sent.
    seed_metrics(warehouse_engine, [
        {"hour": at(h), "agent_id": "billing", "n_runs_ended": 10, "n_runs_completed": 6}
        for h in (5, 6)])
    for hour in (5, 6):
        seed_cascade(warehouse_engine, "gateway", "billing", at(hour))
    result = run_backtest(warehouse_engine, MonitorConfig(), Proposal(), at(0), at(HOURS))
    assert [(e.rule, e.scope_key, e.fate, e.inhibited_by) for e in result.episodes] == [
        ("c2_cascade_risk", "edge=gateway->billing", "paged", None),
        ("m5_workflow_completion", "agent=billing", "inhibited", "gateway"),
    ]


def test_pages_against_the_ground_truth(warehouse_engine: Engine, tmp_path: Path) -> None:
    seed_m4_history(warehouse_engine)
    truth = tmp_path / "ground_truth.json"
    truth.write_text(json.dumps({
        "seed": 1, "start": "2026-01-05T00:00:00Z", "end": "2026-01-05T12:00:00Z",
        "agents": ["billing"], "edges": [], "event_counts": {},
        "incidents": [{"kind": "hallucination_drift", "agents": ["billing"],
                       "start": "2026-01-05T05:00:00Z", "end": "2026-01-05T07:00:00Z",
                       "expected": {"rules": ["M4"]}}],
    }))
    result = run_backtest(warehouse_engine, MonitorConfig(), Proposal(rule=M4), at(0), at(HOURS),
                          ground_truth=truth)
    (incident,) = result.incidents
    # First page at 06:05 for an incident that began at 05:00: +1.083 h. Hour 9's page (10:05)
    # is within 6 h of the incident's end: its echo. Hour 2's page (03:05) is before it began.
    assert incident.first_page == at(6) + timedelta(minutes=5)
    assert incident.lead_hours == pytest.approx(65 / 60)
    assert [e.first_hour.hour for e in incident.episodes] == [5, 9]
    assert [e.first_hour.hour for e in result.unexplained] == [2]
    report = text_report(result)
    assert "first page 01-05 06:05 (+1.1 h after it began) by m4_hallucination_rate" in report
    assert "pages no injected incident explains: 1" in report
