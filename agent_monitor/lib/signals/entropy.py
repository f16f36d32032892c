"""P2 output entropy: per-response entropy from logprobs and the hourly baseline spike test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

EntropySource = Literal["top_logprobs", "token_logprobs", "none"]


# A baseline whose sample std is below this fraction of its mean is constant: the hourly
# means of identical values differ from each other only by rounding.
CONSTANT_BASELINE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class SpikeResult:
    """Baseline of the preceding hours; every field is None when the history is too short.

    A constant baseline (std 0) gives no spike test at all (`spike` None): with no spread,
    every change would be infinitely many standard deviations.
    """

    baseline_mean: float | None
    baseline_std: float | None
    threshold: float | None
    spike: bool | None
    n_history: int


def _position_entropy(logprobs: Sequence[float]) -> float | None:
    """Shannon entropy (nats) of one position's top-k after normalising to sum 1."""
    finite = [float(lp) for lp in logprobs if lp is not None and math.isfinite(lp)]
    if not finite:
        return None
    top = max(finite)
    # Subtracting the max keeps exp() from underflowing; the normalisation cancels it.
    weights = [math.exp(lp - top) for lp in finite]
    total = sum(weights)
    return -sum((w / total) * math.log(w / total) for w in weights if w > 0)


def response_entropy(
    top_logprobs: Sequence[Sequence[float]] | None = None,
    token_logprobs: Sequence[float] | None = None,
) -> tuple[float | None, EntropySource]:
    """Mean top-k entropy over positions, else mean surprisal of sampled tokens, else None."""
    if top_logprobs:
        per_position = [_position_entropy(position or ()) for position in top_logprobs]
        values = [v for v in per_position if v is not None]
        if values:
            return sum(values) / len(values), "top_logprobs"
    if token_logprobs:
        finite = [float(lp) for lp in token_logprobs if lp is not None and math.isfinite(lp)]
        if finite:
            return -sum(finite) / len(finite), "token_logprobs"
    return None, "none"


def baseline_spike(
    current: float | None,
    history: Sequence[float | None],
    min_history: int = 24,
    k: float = 2.0,
) -> SpikeResult:
    """Spike when current > mean + k × sample std (ddof=1) of the hours with data in history.

    A constant history (std 0, up to rounding) reports std 0 and no spike test (None).
    """
    values = [float(v) for v in history if v is not None and math.isfinite(v)]
    n = len(values)
    if n < max(min_history, 2):
        return SpikeResult(None, None, None, None, n)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    if std <= CONSTANT_BASELINE_TOLERANCE * abs(mean):
        return SpikeResult(mean, 0.0, mean, None, n)
    threshold = mean + k * std
    spike = None if current is None or not math.isfinite(current) else current > threshold
    return SpikeResult(mean, std, threshold, spike, n)
