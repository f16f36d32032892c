"""M4 hallucination flag rate over primary responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_rows, get, is_primary, str_list


@dataclass(frozen=True)
class HallucinationCount:
    """Primary responses and those with at least one hallucination* flag."""

    n_responses: int
    n_flagged: int

    @property
    def rate(self) -> float | None:
        """Flagged / responses (None without responses)."""
        return ratio(self.n_flagged, self.n_responses)


def has_hallucination(row: Mapping[str, Any]) -> bool:
    """has_hallucination_flag, or any flag starting with 'hallucination'."""
    if get(row, "has_hallucination_flag"):
        return True
    return any(flag.startswith("hallucination") for flag in str_list(row.get("flags")))


def hallucination_count(responses: Rows) -> HallucinationCount:
    """M4 numerator and denominator; shadow responses are left out."""
    rows = [r for r in as_rows(responses) if is_primary(r)]
    return HallucinationCount(len(rows), sum(1 for r in rows if has_hallucination(r)))
