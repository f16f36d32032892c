"""P2's source per agent and hour (SPEC §8): entropy, else proxies, else no data; std 0 is no data."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest

from agent_monitor.lib.signal_rollup.drift_rows import SignalParams, drift_row

H0 = datetime(2026, 1, 5)
HOUR = timedelta(hours=1)


def hedging_hours(last: int) -> dict[datetime, dict[str, Any]]:
    """Hedging 1.0 in even hours and 3.0 in odd hours 0..last (4 responses each)."""
    return {H0 + HOUR * i: {"n_hedging": 4, "hedging_sum": 4 * (1.0 if i % 2 == 0 else 3.0)}
            for i in range(last + 1)}


def with_entropy(hours: dict[datetime, dict[str, Any]], first: int, last: int) -> None:
    """Entropy 1.0 in even hours and 1.2 in odd hours first..last (10 responses each)."""
    for i in range(first, last + 1):
        hours.setdefault(H0 + HOUR * i, {}).update(
            {"n_entropy": 10, "entropy_sum": 10 * (1.0 if i % 2 == 0 else 1.2)})


def p2(hours: dict[datetime, dict[str, Any]], hour: int) -> dict[str, Any]:
    return drift_row("a", H0 + HOUR * hour, hours, SignalParams())


def test_proxies_until_the_entropy_series_has_its_own_baseline() -> None:
    hours = hedging_hours(70)
    with_entropy(hours, 40, 70)
    # Hour 30 (hedging 1.0): the baseline is hours 0..29, 15 × 1.0 and 15 × 3.0: mean 2,
    # Σdev² = 30, sample std sqrt(30/29) → z30 = −1/sqrt(30/29) = −sqrt(29/30) = −0.98319.
    # Hour 29 (3.0) against 0..28 (15 × 1.0, 14 × 3.0): mean 57/29, Σdev² = 141 − 3249/29 =
    # 840/29, var 30/29 → z29 = (30/29)/sqrt(30/29) = sqrt(30/29). P2 = min(z30, z29).
    row = p2(hours, 30)
    assert (row["p2_source"], row["p2_signal"]) == ("proxies", "hedging")
    assert row["hedging_baseline_hours"] == 30
    assert row["p2_z"] == pytest.approx(-math.sqrt(29 / 30))
    assert row["p2_baseline_hours"] == 30 and row["p2_breach"] is False
    # Hour 63: entropy has values at 40..62, 23 hours < 24 → still the proxies.
    assert p2(hours, 63)["p2_source"] == "proxies"
    # Hour 64: 24 entropy hours (40..63) → entropy. Its two-hour value needs hour 63's z,
    # which had 23 baseline hours: no data for this one hour (not the proxies instead).
    row = p2(hours, 64)
    assert (row["p2_source"], row["p2_signal"], row["p2_z"]) == ("entropy", None, None)
    assert row["p2_baseline_hours"] == 24 and row["p2_breach"] is None
    # Hour 64 alone: 12 × 1.0 and 12 × 1.2, mean 1.1, std sqrt(0.24/23); 1.0 → z = −0.97895.
    # Hour 65 (1.2) against 40..64 (13 × 1.0, 12 × 1.2): mean 1.096, Σdev² = 30.28 − 30.0304 =
    # 0.2496, std sqrt(0.0104) → z = 0.104/0.10198 = 1.0198. P2 = min = −0.97895.
    row = p2(hours, 65)
    assert row["entropy_z"] == pytest.approx(0.104 / math.sqrt(0.0104))
    assert (row["p2_source"], row["p2_signal"]) == ("entropy", "entropy")
    assert row["p2_z"] == pytest.approx(-0.1 / math.sqrt(0.24 / 23))


def test_the_source_ignores_hours_after_the_one_being_built() -> None:
    # The same hour with and without the later hours in the mapping a build read.
    full = hedging_hours(70)
    with_entropy(full, 40, 70)
    alone = {h: v for h, v in full.items() if h <= H0 + HOUR * 30}
    assert p2(full, 30) == p2(alone, 30)


def test_an_hour_without_entropy_values_uses_the_proxies_even_with_an_entropy_baseline() -> None:
    hours = hedging_hours(70)
    with_entropy(hours, 0, 70)
    del hours[H0 + HOUR * 50]["n_entropy"], hours[H0 + HOUR * 50]["entropy_sum"]
    row = p2(hours, 50)
    assert row["entropy_mean"] is None
    assert (row["p2_source"], row["p2_signal"]) == ("proxies", "hedging")


def test_no_series_with_a_baseline_is_no_data() -> None:
    hours = hedging_hours(22)  # at hour 22: 22 baseline hours < 24
    row = p2(hours, 22)
    assert (row["p2_source"], row["p2_z"], row["p2_breach"]) == (None, None, None)
    assert row["p2_baseline_hours"] == 22


def test_a_constant_baseline_is_no_data_not_an_infinite_breach() -> None:
    # Hedging 2.0 in hours 0..28, then 9.0 at 29 and 30. At 29 the baseline (0..28) is
    # constant: std 0, so no z and no spike (before: z = +∞). At 30 the baseline holds the
    # 9.0, but P2 needs hour 29's z too: no data.
    hours = {H0 + HOUR * i: {"n_hedging": 4, "hedging_sum": 4 * (2.0 if i < 29 else 9.0)}
             for i in range(31)}
    row = p2(hours, 29)
    assert row["hedging_baseline_std"] == 0.0
    assert (row["hedging_z"], row["hedging_spike"]) == (None, None)
    assert (row["p2_source"], row["p2_z"], row["p2_breach"]) == ("proxies", None, None)
    assert p2(hours, 30)["p2_z"] is None
