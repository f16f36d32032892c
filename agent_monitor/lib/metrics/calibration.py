"""M1 confidence–accuracy divergence: weighted calibration of reviewed responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_rows, epoch_of, get, is_primary

N_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    """Weighted sums of one confidence bin, kept so windows re-aggregate exactly."""

    sum_weights: float = 0.0
    weighted_confidence_sum: float = 0.0
    weighted_correct_sum: float = 0.0


@dataclass(frozen=True)
class CalibrationSummary:
    """M1 numerators, denominators and derived values; derived values are None when empty."""

    n_reviewed: int
    sum_weights: float
    weighted_confidence_sum: float
    weighted_correct_sum: float
    weighted_squared_error_sum: float
    bins: tuple[CalibrationBin, ...]
    mean_confidence: float | None
    accuracy: float | None
    divergence: float | None
    signed_gap: float | None
    ece: float | None
    brier: float | None


def bin_index(confidence: float) -> int:
    """Bin of a confidence: [0,0.1) -> 0, ..., [0.9,1.0] -> 9 (1.0 joins the last bin)."""
    return min(int(confidence * N_BINS), N_BINS - 1)


def calibration_summary(
    confidences: Sequence[float],
    correct: Sequence[bool],
    weights: Sequence[float] | None = None,
) -> CalibrationSummary:
    """Weighted mean confidence, accuracy, divergence, signed gap, ECE and Brier score."""
    if weights is None:
        weights = [1.0] * len(confidences)
    if not len(confidences) == len(correct) == len(weights):
        raise ValueError("confidences, correct and weights must have the same length")
    bins = [[0.0, 0.0, 0.0] for _ in range(N_BINS)]
    squared = 0.0
    for c, y, w in zip(confidences, correct, weights, strict=True):
        c, w = float(c), float(w)
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"confidence {c} is outside [0, 1]")
        if not w > 0.0:
            raise ValueError(f"weight {w} must be positive (w = 1/π)")
        hit = 1.0 if y else 0.0
        sums = bins[bin_index(c)]
        sums[0] += w
        sums[1] += w * c
        sums[2] += w * hit
        squared += w * (c - hit) ** 2
    return summary_from_bins(
        n_reviewed=len(confidences),
        bins=tuple(CalibrationBin(*sums) for sums in bins),
        weighted_squared_error_sum=squared,
    )


def summary_from_bins(
    n_reviewed: int, bins: Sequence[CalibrationBin], weighted_squared_error_sum: float
) -> CalibrationSummary:
    """Derive every M1 value from per-bin weighted sums."""
    total_w = sum(b.sum_weights for b in bins)
    conf_sum = sum(b.weighted_confidence_sum for b in bins)
    correct_sum = sum(b.weighted_correct_sum for b in bins)
    mean_conf = ratio(conf_sum, total_w)
    accuracy = ratio(correct_sum, total_w)
    signed = None if mean_conf is None or accuracy is None else mean_conf - accuracy
    gap_sum = sum(abs(b.weighted_confidence_sum - b.weighted_correct_sum) for b in bins)
    return CalibrationSummary(
        n_reviewed=n_reviewed,
        sum_weights=total_w,
        weighted_confidence_sum=conf_sum,
        weighted_correct_sum=correct_sum,
        weighted_squared_error_sum=weighted_squared_error_sum,
        bins=tuple(bins),
        mean_confidence=mean_conf,
        accuracy=accuracy,
        divergence=None if signed is None else abs(signed),
        signed_gap=signed,
        # ECE = Σ_b (W_b/W)·|conf_b − acc_b| = Σ_b |Σ_b w·c − Σ_b w·y| / W
        ece=ratio(gap_sum, total_w),
        brier=ratio(weighted_squared_error_sum, total_w),
    )


def merge_summaries(parts: Sequence[CalibrationSummary]) -> CalibrationSummary:
    """Combine summaries of disjoint sets of reviews (e.g. 24 hourly rows) exactly."""
    bins = tuple(
        CalibrationBin(
            sum(p.bins[i].sum_weights for p in parts),
            sum(p.bins[i].weighted_confidence_sum for p in parts),
            sum(p.bins[i].weighted_correct_sum for p in parts),
        )
        for i in range(N_BINS)
    )
    return summary_from_bins(
        n_reviewed=sum(p.n_reviewed for p in parts),
        bins=bins,
        weighted_squared_error_sum=sum(p.weighted_squared_error_sum for p in parts),
    )


@dataclass(frozen=True)
class ReviewedResponse:
    """One M1 input: a primary response with a correct/incorrect verdict and its weight."""

    event_id: str
    ts: datetime
    agent_id: str
    agent_version: str | None
    confidence: float
    correct: bool
    weight: float


def verdict_order(review: Mapping[str, Any]) -> tuple[float, int, int, str]:
    """When a review counts: its `ts`, then ingestion order (ledger entry, line), then id."""
    return (epoch_of(review), int(get(review, "ingest_id") or 0),
            int(get(review, "source_location") or 0), str(review.get("event_id") or ""))


def latest_reviews(reviews: Rows) -> dict[str, Mapping[str, Any]]:
    """target_event_id → its latest review (SPEC §8): by review ts, then ingestion order."""
    latest: dict[str, Mapping[str, Any]] = {}
    for review in sorted(as_rows(reviews), key=verdict_order):
        target = get(review, "target_event_id")
        if target is not None:
            latest[str(target)] = review
    return latest


def reviewed_responses(
    responses: Rows, reviews: Rows, inclusion: Mapping[str, float] | None = None
) -> list[ReviewedResponse]:
    """Join responses to their latest verdict; weight = 1/π (π = 1 when not in the queue).

    A response whose latest verdict is `unverifiable` is not in M1, whatever came before.
    """
    latest = latest_reviews(reviews)
    probabilities = inclusion or {}
    out: list[ReviewedResponse] = []
    for row in as_rows(responses):
        review = latest.get(str(row["event_id"]))
        confidence = get(row, "confidence")
        if not is_primary(row) or review is None or confidence is None:
            continue
        if review["verdict"] not in ("correct", "incorrect"):
            continue
        pi = float(probabilities.get(str(row["event_id"]), 1.0))
        out.append(
            ReviewedResponse(
                event_id=str(row["event_id"]),
                ts=row["ts"],
                agent_id=str(row["agent_id"]),
                agent_version=get(row, "agent_version"),
                confidence=float(confidence),
                correct=review["verdict"] == "correct",
                weight=1.0 / pi,
            )
        )
    return out


def summarise_reviewed(items: Sequence[ReviewedResponse]) -> CalibrationSummary:
    """calibration_summary over ReviewedResponse items."""
    return calibration_summary(
        [i.confidence for i in items], [i.correct for i in items], [i.weight for i in items]
    )
