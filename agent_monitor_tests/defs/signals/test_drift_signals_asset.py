"""drift_signals_hourly on seeded hourly rollups: P1 slope and breach time, P2 spikes, P3."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.defs.signals.assets import drift_signals_hourly
from agent_monitor.lib.warehouse.tables_signals import drift_signals_hourly as table
from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, config_file, materialize, seed_metrics, table_rows

# Hours 10..15 of day 0, 20 confidences each.
BILLING_MEANS = [0.90, 0.88, 0.85, 0.80, 0.76, 0.70]
FAST_MEANS = [0.98, 0.92, 0.86, 0.80, 0.74, 0.68]  # exactly 0.98 - 0.06·x


def _p1_rows() -> list[dict]:
    rows = []
    for agent, means in (("billing", BILLING_MEANS), ("fast", FAST_MEANS)):
        for i, mean in enumerate(means):
            rows.append({"hour": DAY0 + HOUR * (10 + i), "agent_id": agent, "n_responses": 20,
                         "n_confidence": 20, "confidence_sum": 20 * mean})
    # 19 confidences at 14:00 for "thin": too few, so only 3 usable hours remain → no slope.
    for i, (mean, n) in enumerate([(0.9, 20), (0.8, 20), (0.7, 20), (0.6, 19), (0.5, 20)]):
        rows.append({"hour": DAY0 + HOUR * (11 + i), "agent_id": "thin", "n_responses": n,
                     "n_confidence": n, "confidence_sum": n * mean})
    return rows


def test_p1_slope_and_time_to_breach(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    seed_metrics(warehouse_engine, _p1_rows())
    config = config_file(tmp_path, "agents:\n  fast:\n    confidence_floor: 0.5\n")
    result = materialize(warehouse_url, config, [drift_signals_hourly], DAY0 + HOUR * 15)
    assert result.success
    rows = {r["agent_id"]: r for r in table_rows(warehouse_engine, table, "agent_id")}
    assert set(rows) == {"billing", "fast", "thin"}
    billing = rows["billing"]
    # x = 0..5, x̄ = 2.5, ȳ = 4.89/6 = 0.815; Σdx·dy = -0.705, Σdx² = 17.5 → slope -0.040286/h.
    assert billing["p1_slope_per_hour"] == pytest.approx(-0.705 / 17.5)
    assert billing["p1_hours_used"] == 6
    # ŷ(5) = 0.815 - 2.5·0.040286 = 0.714286; (0.7 - 0.714286) / -0.040286 = 50/141 h.
    assert billing["p1_intercept_now"] == pytest.approx(0.815 - 2.5 * 0.705 / 17.5)
    assert billing["p1_hours_to_breach"] == pytest.approx(50 / 141, rel=1e-6)
    assert billing["p1_breach"] is False  # -0.040 is not below -0.05
    fast = rows["fast"]
    # slope -0.06 < -0.05; ŷ(5) = 0.68, floor 0.5 (override) → (0.5 - 0.68) / -0.06 = 3 h.
    assert fast["p1_slope_per_hour"] == pytest.approx(-0.06)
    assert fast["p1_confidence_floor"] == 0.5
    assert fast["p1_hours_to_breach"] == pytest.approx(3.0)
    assert fast["p1_breach"] is True
    thin = rows["thin"]
    # Hours 11, 12, 13 and 15 have 20 responses (14 has 19); window 10..15 → 4 usable hours.
    assert thin["p1_hours_used"] == 4
    # x = 1,2,3,5 (hours 11,12,13,15), y = .9,.8,.7,.5: x̄ = 2.75, ȳ = 0.725,
    # Σdx·dy = (-1.75)(.175)+(-.75)(.075)+(.25)(-.025)+(2.25)(-.225) = -0.875;
    # Σdx² = 3.0625+0.5625+0.0625+5.0625 = 8.75 → -0.1 (the points lie on y = 1.0 - 0.1x).
    assert thin["p1_slope_per_hour"] == pytest.approx(-0.875 / 8.75)


def _baseline_rows() -> list[dict]:
    rows = []
    for i in range(24):  # day 0, hours 0..23: the baseline
        alternate = i % 2 == 0
        for agent in ("ent", "blip"):
            rows.append({"hour": DAY0 + HOUR * i, "agent_id": agent, "n_responses": 10,
                         "n_entropy": 10, "entropy_sum": 10 * (1.0 if alternate else 1.2),
                         "user_turns": 10, "active_session_minutes": 20.0})
        rows.append({"hour": DAY0 + HOUR * i, "agent_id": "plain", "n_responses": 4,
                     "n_hedging": 4, "hedging_sum": 4 * (1.0 if alternate else 3.0),
                     "n_output_tokens": 4, "output_tokens_sum": 400})
    for i in (24, 25):  # two elevated hours in a row (blip: only the second)
        rows.append({"hour": DAY0 + HOUR * i, "agent_id": "ent", "n_responses": 10, "n_entropy": 10,
                     "entropy_sum": 13.5, "user_turns": 30, "active_session_minutes": 30.0})
        rows.append({"hour": DAY0 + HOUR * i, "agent_id": "blip", "n_responses": 10, "n_entropy": 10,
                     "entropy_sum": 13.5 if i == 25 else 10.0})
        rows.append({"hour": DAY0 + HOUR * i, "agent_id": "plain", "n_responses": 4, "n_hedging": 4,
                     "hedging_sum": 20.0, "n_output_tokens": 4, "output_tokens_sum": 400})
    return rows


def test_p2_entropy_and_proxy_spikes_and_p3(warehouse_engine: Engine, warehouse_url: str, tmp_path: Path) -> None:
    seed_metrics(warehouse_engine, _baseline_rows())
    result = materialize(warehouse_url, config_file(tmp_path), [drift_signals_hourly],
                         DAY0 + HOUR * 23, DAY0 + HOUR * 25)
    assert result.success
    rows = {(r["hour"].hour, r["agent_id"]): r for r in table_rows(warehouse_engine, table, "hour")}
    # Hour 23 has only 23 baseline hours (< 24): no data.
    assert rows[(23, "ent")]["entropy_baseline_hours"] == 23
    assert rows[(23, "ent")]["entropy_spike"] is None and rows[(23, "ent")]["p2_z"] is None
    ent = rows[(0, "ent")]  # hour 24 = day 1, 00:00
    # Baseline 12 × 1.0 and 12 × 1.2: mean 1.1; sample std sqrt(24·0.01/23) = 0.102151.
    std = (0.24 / 23) ** 0.5
    assert ent["entropy_baseline_mean"] == pytest.approx(1.1)
    assert ent["entropy_baseline_std"] == pytest.approx(std)
    assert ent["entropy_threshold"] == pytest.approx(1.1 + 2 * std)  # 1.30430
    assert ent["entropy_mean"] == pytest.approx(1.35)  # 13.5 / 10 > 1.30430 → spike this hour
    assert ent["entropy_z"] == pytest.approx(0.25 / std)  # 2.447
    assert ent["entropy_spike"] is True
    # …but hour 23 had no baseline yet, so the two-hour P2 value is unknown.
    assert ent["p2_source"] == "entropy" and ent["p2_z"] is None and ent["p2_breach"] is None
    # P3: baseline rate 10/20 = 0.5 in each of 24 hours; now 30/30 = 1.0 → 2.0 > 1.5.
    assert ent["turn_rate"] == pytest.approx(1.0)
    assert ent["turn_rate_baseline"] == pytest.approx(0.5)
    assert ent["p3_acceleration"] == pytest.approx(2.0)
    assert ent["p3_breach"] is True

    ent = rows[(1, "ent")]  # hour 25: the baseline (hours 0..24) now holds hour 24's 1.35
    # mean = (12·1.0 + 12·1.2 + 1.35)/25 = 1.11; Σdev² = 12·0.0121 + 12·0.0081 + 0.0576 = 0.3;
    # std = sqrt(0.3/24) = 0.111803; z = 0.24/0.111803 = 2.1466 → two hours above 2σ.
    assert ent["entropy_baseline_mean"] == pytest.approx(1.11)
    assert ent["entropy_z"] == pytest.approx(0.24 / (0.3 / 24) ** 0.5)
    assert ent["p2_z"] == pytest.approx(0.24 / (0.3 / 24) ** 0.5)  # min(2.447, 2.147)
    assert ent["p2_signal"] == "entropy" and ent["p2_breach"] is True
    # P3 at hour 25: baseline (24·0.5 + 1.0)/25 = 0.52 → 1.0/0.52 = 1.923.
    assert ent["p3_acceleration"] == pytest.approx(1 / 0.52)

    blip = rows[(1, "blip")]
    # One elevated hour: spike this hour (same numbers as ent at hour 24), but hour 24 was
    # 1.0 → z = -0.1/0.102151 = -0.979, so the two-hour value is -0.979: no P2 breach.
    assert blip["entropy_spike"] is True
    assert blip["p2_z"] == pytest.approx(-0.1 / std) and blip["p2_breach"] is False

    plain = rows[(1, "plain")]
    # No logprobs: proxies. Hour 24: hedging baseline 1.0/3.0 alternating, mean 2,
    # std sqrt(24/23) = 1.02151, 20/4 = 5.0 → z = 2.937. Hour 25: baseline adds the 5.0:
    # mean 53/25 = 2.12, Σdev² = 12·1.2544 + 12·0.7744 + 8.2944 = 32.64, std = sqrt(1.36);
    # z = 2.88/1.16619 = 2.4696. Output tokens constant 100: std 0, no data (no z, no spike).
    assert rows[(0, "plain")]["hedging_z"] == pytest.approx(3 / (24 / 23) ** 0.5)
    assert plain["hedging_z"] == pytest.approx(2.88 / 1.36 ** 0.5)
    assert plain["p2_source"] == "proxies" and plain["p2_signal"] == "hedging"
    assert plain["p2_z"] == pytest.approx(2.88 / 1.36 ** 0.5)
    assert plain["output_tokens_baseline_std"] == 0.0
    assert plain["output_tokens_z"] is None and plain["output_tokens_spike"] is None
    assert plain["trigram_mean"] is None
    assert plain["p2_breach"] is True
    assert plain["p3_acceleration"] is None  # no turns recorded

    # Rebuilding the same window replaces its rows, never appends.
    materialize(warehouse_url, config_file(tmp_path), [drift_signals_hourly], DAY0 + HOUR * 23, DAY0 + HOUR * 25)
    assert len(table_rows(warehouse_engine, table, "hour")) == 9
