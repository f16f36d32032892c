"""The value and sample count of each rule for one agent and hour, from rollups and signals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.alerting.rules import m6_value
from agent_monitor.lib.signal_rollup.cascade_rows import MIN_CO_FAILING_BUCKETS
from agent_monitor.lib.signal_rollup.metrics_window import ratio, total

HOUR = timedelta(hours=1)
METRIC_RULES: tuple[str, ...] = (
    "m1_confidence_divergence", "m2_context_coherence", "m3_decision_disagreement",
    "m4_hallucination_rate", "m5_workflow_completion", "m6_recovery_time", "m7_escalation_rate",
)
Hours = Mapping[datetime, Mapping[str, Any]]


@dataclass(frozen=True)
class RuleValue:
    """One rule's measured value for a scope; None means no data."""

    rule: str
    scope: str
    value: float | None
    n_samples: int | None
    hours_to_breach: float | None = None
    p_value: float | None = None
    decision_path: str | None = None
    veto: str | None = None  # why a breach of this value is not one (reported as ok)


def trailing(hours: Hours, hour: datetime, window_hours: int) -> dict[datetime, Mapping[str, Any]]:
    """The rows of the `window_hours` hours ending with `hour` (inclusive)."""
    first = hour - HOUR * (window_hours - 1)
    return {h: row for h, row in hours.items() if first <= h <= hour}


def _count(value: float | None) -> int:
    return 0 if value is None else int(value)


def _m1(rows: Hours) -> tuple[float | None, int]:
    weight = total(rows, "m1_weight_sum")
    confidence = ratio(total(rows, "m1_weighted_confidence_sum"), weight)
    accuracy = ratio(total(rows, "m1_weighted_correct_sum"), weight)
    value = None if confidence is None or accuracy is None else abs(confidence - accuracy)
    return value, _count(total(rows, "n_reviewed"))


def _simple(rows: Hours, numerator: str, denominator: str, samples: str) -> tuple[float | None, int]:
    return ratio(total(rows, numerator), total(rows, denominator)), _count(total(rows, samples))


def _has_checked(rows: Hours) -> bool:
    """Rows written before M4 had its own denominator carry no n_flag_checked: use n_responses."""
    return any(row.get("n_flag_checked") is not None for row in rows.values())


def _m6(rows: Hours, hour: datetime) -> tuple[float | None, int]:
    recovered = _count(total(rows, "n_incidents_recovered"))
    mttr = ratio(total(rows, "m6_recovery_seconds_sum"), recovered)
    # An open incident's age is as of the end of the latest hour, so only that hour says it.
    age = (rows.get(hour) or {}).get("m6_open_incident_age_seconds")
    return m6_value(mttr, age), recovered + (age is not None)


def metric_values(hours: Hours, hour: datetime, windows: Mapping[str, int]) -> list[RuleValue]:
    """M1–M7 of one agent at `hour`, each over its rule's trailing window (sums re-aggregated)."""

    def rows(rule: str) -> dict[datetime, Mapping[str, Any]]:
        return trailing(hours, hour, windows.get(rule, 1))

    specs = {
        "m1_confidence_divergence": _m1(rows("m1_confidence_divergence")),
        "m2_context_coherence": _simple(rows("m2_context_coherence"), "m2_early_refs",
                                        "m2_recent_refs", "n_late_responses"),
        "m3_decision_disagreement": _simple(rows("m3_decision_disagreement"),
                                            "n_shadow_disagreements", "n_shadow_pairs",
                                            "n_shadow_pairs"),
        "m4_hallucination_rate": _simple(rows("m4_hallucination_rate"),
                                         "n_hallucination_flagged", "n_flag_checked",
                                         "n_flag_checked") if _has_checked(rows("m4_hallucination_rate"))
        else _simple(rows("m4_hallucination_rate"), "n_hallucination_flagged", "n_responses",
                     "n_responses"),
        "m5_workflow_completion": _simple(rows("m5_workflow_completion"), "n_runs_completed",
                                          "n_runs_ended", "n_runs_ended"),
        "m6_recovery_time": _m6(rows("m6_recovery_time"), hour),
        "m7_escalation_rate": _simple(rows("m7_escalation_rate"), "n_handoff_sessions",
                                      "n_sessions", "n_sessions"),
    }
    return [RuleValue(rule, "", value, n) for rule, (value, n) in specs.items()]


def path_values(
    path_hours: Mapping[tuple[datetime, str], Mapping[str, int]], hour: datetime, window_hours: int
) -> list[RuleValue]:
    """M3 per decision path over the trailing window: disagreements / shadow pairs."""
    first = hour - HOUR * (window_hours - 1)
    sums: dict[str, list[int]] = {}
    for (h, path), row in path_hours.items():
        if first <= h <= hour:
            cell = sums.setdefault(path, [0, 0])
            cell[0] += row.get("n_shadow_pairs") or 0
            cell[1] += row.get("n_shadow_disagreements") or 0
    return [
        RuleValue("m3_decision_disagreement", path, ratio(float(d), p), p, decision_path=path)
        for path, (p, d) in sorted(sums.items()) if p > 0
    ]


def signal_values(signals: Mapping[str, Any] | None) -> list[RuleValue]:
    """P1–P3 from the agent's drift_signals_hourly row at the hour (None: no row)."""
    s = signals or {}
    return [
        RuleValue("p1_confidence_drift", "", s.get("p1_slope_per_hour"), s.get("p1_hours_used"),
                  hours_to_breach=s.get("p1_hours_to_breach")),
        RuleValue("p2_entropy_shift", "", s.get("p2_z"), s.get("p2_baseline_hours")),
        RuleValue("p3_turn_acceleration", "", s.get("p3_acceleration"), s.get("p3_baseline_hours")),
    ]


def edge_values(edges: Sequence[Mapping[str, Any]]) -> list[RuleValue]:
    """C2 per edge of which the agent is upstream; scope is "upstream->downstream"."""
    return [
        RuleValue("c2_cascade_risk", f"{e['upstream_agent_id']}->{e['downstream_agent_id']}",
                  e.get("r"), e.get("n_buckets"), p_value=e.get("p_value"), veto=_coincidence(e))
        for e in edges
    ]


def _coincidence(edge: Mapping[str, Any]) -> str | None:
    both = edge.get("co_failing_buckets")
    if both is None or both >= MIN_CO_FAILING_BUCKETS:
        return None
    return (f"but only {both} bucket(s) had failures of both agents; a cascade needs at least "
            f"{MIN_CO_FAILING_BUCKETS}, fewer are isolated failures that coincided")
