"""M1 per hour × agent × version: reviewed responses of the hour weighted by 1/π."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.calibration import (
    ReviewedResponse,
    reviewed_responses,
    summarise_reviewed,
)
from agent_monitor.lib.metrics.rows import hour_of
from agent_monitor.lib.rollup.loads import inclusion_probabilities, reviewed_window_responses

Key = tuple[datetime, str, str]


def m1_by_hour(connection: Connection, start: datetime, end: datetime) -> dict[Key, dict[str, Any]]:
    """M1 sums and values; a review counts in the hour of the response it reviews."""
    responses, reviews = reviewed_window_responses(connection, start, end)
    inclusion = inclusion_probabilities(connection, start, end)
    groups: dict[Key, list[ReviewedResponse]] = defaultdict(list)
    for item in reviewed_responses(responses, reviews, inclusion):
        groups[(hour_of(item.ts), item.agent_id, item.agent_version or "")].append(item)
    out: dict[Key, dict[str, Any]] = {}
    for key, items in groups.items():
        s = summarise_reviewed(items)
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
