"""M1 per hour × agent × version: reviewed responses of the hour weighted by 1/π.

The database sums each confidence bin (sql/metrics/m1.sql); the values are derived here from
the bins, as `calibration_summary` derives them from the reviewed responses themselves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.calibration import N_BINS, CalibrationBin, summary_from_bins
from agent_monitor.lib.rollup.sql import hour_from_epoch, run_query

Key = tuple[datetime, str, str]


def m1_by_hour(connection: Connection, start: datetime, end: datetime) -> dict[Key, dict[str, Any]]:
    """M1 sums and values; a review counts in the hour of the response it reviews."""
    bins: dict[Key, list[CalibrationBin]] = defaultdict(lambda: [CalibrationBin()] * N_BINS)
    counts: dict[Key, int] = defaultdict(int)
    squared: dict[Key, float] = defaultdict(float)
    for row in run_query(connection, "m1", start, end):
        key = (hour_from_epoch(row["hour_epoch"]), str(row["agent_id"]), str(row["agent_version"]))
        bins[key][int(row["bin"])] = CalibrationBin(
            float(row["sum_weights"]),
            float(row["weighted_confidence_sum"]),
            float(row["weighted_correct_sum"]),
        )
        counts[key] += int(row["n_reviewed"])
        squared[key] += float(row["weighted_squared_error_sum"])
    out: dict[Key, dict[str, Any]] = {}
    for key, key_bins in bins.items():
        s = summary_from_bins(counts[key], tuple(key_bins), squared[key])
        out[key] = {
            "n_reviewed": s.n_reviewed,
            "m1_weight_sum": s.sum_weights,
            "m1_weighted_confidence_sum": s.weighted_confidence_sum,
            "m1_weighted_correct_sum": s.weighted_correct_sum,
            "m1_weighted_squared_error_sum": s.weighted_squared_error_sum,
            "m1_ece_gap_sum": sum(
                abs(b.weighted_confidence_sum - b.weighted_correct_sum) for b in s.bins
            ),
            "m1_mean_confidence": s.mean_confidence,
            "m1_accuracy": s.accuracy,
            "m1_divergence": s.divergence,
            "m1_signed_gap": s.signed_gap,
            "m1_ece": s.ece,
            "m1_brier": s.brier,
        }
    return out
