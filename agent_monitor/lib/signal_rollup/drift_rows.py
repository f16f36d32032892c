"""One drift_signals_hourly row from an agent's hourly sums: P1, P2 (or proxies) and P3."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.signal_rollup.metrics_window import ratio
from agent_monitor.lib.signals import baseline_spike, confidence_drift, turn_acceleration, turn_rate

HOUR = timedelta(hours=1)
MIN_RESPONSES_PER_HOUR = 20  # P1: an hour is fitted only with this many confidences
# P2 series: column prefix -> (sum column, count column)
P2_SERIES: dict[str, tuple[str, str]] = {
    "entropy": ("entropy_sum", "n_entropy"),
    "output_tokens": ("output_tokens_sum", "n_output_tokens"),
    "hedging": ("hedging_sum", "n_hedging"),
    "trigram": ("trigram_sum", "n_trigram"),
}
PROXIES: tuple[str, ...] = ("output_tokens", "hedging", "trigram")
# The agent_metrics_hourly sums a drift row reads (P1's confidences, P2's series, P3's turns).
INPUT_COLUMNS: tuple[str, ...] = (
    "n_confidence", "confidence_sum", *(c for pair in P2_SERIES.values() for c in pair),
    "user_turns", "active_session_minutes",
)
# P2 breaches only when one series stays beyond its threshold for this many consecutive hours.
P2_SUSTAINED_HOURS = 2


@dataclass(frozen=True)
class SignalParams:
    """Windows, minimum samples and thresholds of P1–P3 for one agent."""

    p1_window: int = 6
    p1_min_hours: int = 4
    p1_threshold: float = -0.05
    confidence_floor: float = 0.7
    p2_history: int = 168
    p2_min_history: int = 24
    p2_k: float = 2.0
    p3_history: int = 168
    p3_min_history: int = 24
    p3_threshold: float = 1.5

    @property
    def history_hours(self) -> int:
        """How many hours before the current one a row needs."""
        return max(self.p1_window - 1, self.p2_history + P2_SUSTAINED_HOURS - 1, self.p3_history)


def history_hours(rules: RuleSet) -> int:
    """Hours before the current one that any agent's signals read."""
    return max(signal_params(rules, a).history_hours for a in (None, *rules.agents))


def signal_params(rules: RuleSet, agent_id: str | None) -> SignalParams:
    """The agent's P1–P3 settings from the rule set (catalogue < global < per-agent)."""
    p1 = rules.for_agent(agent_id, "p1_confidence_drift")
    p2 = rules.for_agent(agent_id, "p2_entropy_shift")
    p3 = rules.for_agent(agent_id, "p3_turn_acceleration")
    return SignalParams(
        p1_window=p1.window_hours, p1_min_hours=p1.min_samples, p1_threshold=p1.threshold,
        confidence_floor=rules.confidence_floor(agent_id),
        p2_history=p2.window_hours, p2_min_history=p2.min_samples, p2_k=p2.threshold,
        p3_history=p3.window_hours, p3_min_history=p3.min_samples, p3_threshold=p3.threshold,
    )


def _mean(row: Mapping[str, Any] | None, sum_column: str, count_column: str) -> float | None:
    if row is None:
        return None
    return ratio(row.get(sum_column), row.get(count_column))


def _z(current: float | None, mean: float | None, std: float | None) -> float | None:
    """Standard score; None without a baseline or with a constant one (std 0: no data)."""
    if current is None or mean is None or not std:
        return None
    return (current - mean) / std


def _previous(hour: datetime, n: int) -> list[datetime]:
    return [hour - HOUR * k for k in range(n, 0, -1)]


def _p1(hour: datetime, hours: Mapping[datetime, Mapping[str, Any]], p: SignalParams) -> dict:
    points = [
        (h, _mean(hours.get(h), "confidence_sum", "n_confidence"),
         int((hours.get(h) or {}).get("n_confidence") or 0))
        for h in [*_previous(hour, p.p1_window - 1), hour]
    ]
    drift = confidence_drift(
        points, floor=p.confidence_floor, min_hours=p.p1_min_hours,
        min_responses=MIN_RESPONSES_PER_HOUR, window=p.p1_window, current_hour=hour,
    )
    slope = drift.slope_per_hour
    fitted_now = None
    if slope is not None and drift.intercept is not None:
        aware = hour if hour.tzinfo else hour.replace(tzinfo=UTC)
        fitted_now = drift.intercept + slope * aware.timestamp() / 3600
    current = hours.get(hour) or {}
    return {
        "n_confidence": current.get("n_confidence"),
        "mean_confidence": _mean(current, "confidence_sum", "n_confidence"),
        "p1_hours_used": drift.n_hours_used,
        "p1_slope_per_hour": slope,
        "p1_intercept_now": fitted_now,
        "p1_confidence_floor": p.confidence_floor,
        "p1_hours_to_breach": drift.projected_hours_to_breach,
        "p1_threshold": p.p1_threshold,
        "p1_breach": None if slope is None else slope < p.p1_threshold,
    }


def _series(hour: datetime, hours: Mapping[datetime, Mapping[str, Any]], prefix: str,
            p: SignalParams) -> dict:
    sum_column, count_column = P2_SERIES[prefix]
    current = _mean(hours.get(hour), sum_column, count_column)
    history = [_mean(hours.get(h), sum_column, count_column)
               for h in _previous(hour, p.p2_history)]
    spike = baseline_spike(current, history, min_history=p.p2_min_history, k=p.p2_k)
    return {
        f"{prefix}_mean": current,
        f"{prefix}_baseline_mean": spike.baseline_mean,
        f"{prefix}_baseline_std": spike.baseline_std,
        f"{prefix}_threshold": spike.threshold,
        f"{prefix}_baseline_hours": spike.n_history,
        f"{prefix}_z": _z(current, spike.baseline_mean, spike.baseline_std),
        f"{prefix}_spike": spike.spike,
    }


def _sustained_z(
    hour: datetime, hours: Mapping[datetime, Mapping[str, Any]], prefix: str, p: SignalParams,
    current_z: float | None,
) -> float | None:
    """The smallest z of the series over the last P2_SUSTAINED_HOURS hours (None if any is)."""
    scores = [current_z] + [
        _series(hour - HOUR * k, hours, prefix, p)[f"{prefix}_z"]
        for k in range(1, P2_SUSTAINED_HOURS)
    ]
    return None if any(z is None for z in scores) else min(scores)  # type: ignore[type-var]


def _has_baseline(row: Mapping[str, Any], prefix: str, p: SignalParams) -> bool:
    """The series has a value this hour and enough preceding hours with values."""
    return (row[f"{prefix}_mean"] is not None
            and row[f"{prefix}_baseline_hours"] >= max(p.p2_min_history, 2))


def p2_source(row: Mapping[str, Any], p: SignalParams) -> tuple[str | None, tuple[str, ...]]:
    """(source, series) of the hour: entropy when it has a baseline, else the proxies that do.

    Decided from this hour's value and the preceding p2_history hours of the agent's own
    series only, so an hour built alone and inside a backfill choose the same source.
    """
    if _has_baseline(row, "entropy", p):
        return "entropy", ("entropy",)
    proxies = tuple(s for s in PROXIES if _has_baseline(row, s, p))
    return ("proxies", proxies) if proxies else (None, ())


def _p2(hour: datetime, hours: Mapping[datetime, Mapping[str, Any]], p: SignalParams) -> dict:
    row: dict[str, Any] = {}
    for prefix in P2_SERIES:
        row.update(_series(hour, hours, prefix, p))
    source, chosen = p2_source(row, p)
    sustained = {s: _sustained_z(hour, hours, s, p, row[f"{s}_z"]) for s in chosen}
    scored = [(z, s) for s, z in sustained.items() if z is not None]
    z, signal = max(scored) if scored else (None, None)
    considered = chosen or tuple(P2_SERIES)
    row.update({
        "p2_source": source,
        "p2_signal": signal,
        "p2_z": z,
        "p2_baseline_hours": (row[f"{signal}_baseline_hours"] if signal
                              else max(row[f"{s}_baseline_hours"] for s in considered)),
        "p2_breach": None if z is None else z > p.p2_k,
    })
    return row


def _rate(row: Mapping[str, Any] | None) -> float | None:
    if row is None or row.get("user_turns") is None:
        return None
    return turn_rate(int(row["user_turns"]), float(row.get("active_session_minutes") or 0.0))


def _p3(hour: datetime, hours: Mapping[datetime, Mapping[str, Any]], p: SignalParams) -> dict:
    current = hours.get(hour) or {}
    rate = _rate(current)
    history = [_rate(hours.get(h)) for h in _previous(hour, p.p3_history)]
    known = [v for v in history if v is not None and math.isfinite(v)]
    acceleration = turn_acceleration(rate, history, min_history=p.p3_min_history)
    return {
        "user_turns": current.get("user_turns"),
        "active_session_minutes": current.get("active_session_minutes"),
        "turn_rate": rate,
        "turn_rate_baseline": sum(known) / len(known) if known else None,
        "p3_baseline_hours": len(known),
        "p3_acceleration": acceleration,
        "p3_threshold": p.p3_threshold,
        "p3_breach": None if acceleration is None else acceleration > p.p3_threshold,
    }


def drift_row(
    agent_id: str,
    hour: datetime,
    hours: Mapping[datetime, Mapping[str, Any]],
    params: SignalParams,
) -> dict[str, Any]:
    """The agent's signals at `hour` from its hourly sums (this hour and the preceding ones)."""
    return {
        "hour": hour, "agent_id": agent_id,
        **_p1(hour, hours, params), **_p2(hour, hours, params), **_p3(hour, hours, params),
    }
