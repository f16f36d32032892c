"""Shared arithmetic for rates: a zero denominator means no data, never 0."""

from __future__ import annotations


def ratio(num: float, den: float) -> float | None:
    """num / den, or None when the denominator is 0 (no data)."""
    if den == 0:
        return None
    return num / den
