"""C2 cascade correlation: per-agent failure rates in time buckets and their Pearson r."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from scipy import stats

FAILED_STATUSES = frozenset({"failed", "timed_out"})
RAN_STATUSES = frozenset({"succeeded", "failed", "timed_out"})


class BucketCount(NamedTuple):
    """Steps that ran in a bucket and how many of them failed."""

    n_steps: int
    n_failed: int


@dataclass(frozen=True)
class EdgeCorrelation:
    """Pearson r of two agents' bucket failure rates; r is None when it is undefined."""

    n_buckets: int
    r: float | None
    p_value: float | None
    cascade_risk: bool


def to_epoch(ts: float | int | datetime) -> float:
    """Epoch seconds from a number or a datetime (naive datetimes are UTC)."""
    if isinstance(ts, datetime):
        return (ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)).timestamp()
    return float(ts)


def bucket_failure_rates(
    steps: Iterable[tuple[str, str, float | datetime]],
    start_epoch: float,
    end_epoch: float,
    bucket_seconds: int = 900,
) -> dict[str, dict[int, BucketCount]]:
    """Per agent, per bucket start epoch: steps that ran and failed, from (agent, status, ts).

    Steps in [start_epoch, end_epoch) count in the bucket of their `ts`. Skipped steps never
    ran, so they count in neither the numerator nor the denominator.
    """
    counts: dict[str, dict[int, list[int]]] = {}
    for agent_id, status, ts in steps:
        epoch = to_epoch(ts)
        if status not in RAN_STATUSES or not start_epoch <= epoch < end_epoch:
            continue
        bucket = int(start_epoch + ((epoch - start_epoch) // bucket_seconds) * bucket_seconds)
        cell = counts.setdefault(agent_id, {}).setdefault(bucket, [0, 0])
        cell[0] += 1
        cell[1] += status in FAILED_STATUSES
    return {
        agent: {b: BucketCount(n, f) for b, (n, f) in sorted(buckets.items())}
        for agent, buckets in counts.items()
    }


def edge_correlation(
    upstream_buckets: Mapping[int, BucketCount | tuple[int, int]],
    downstream_buckets: Mapping[int, BucketCount | tuple[int, int]],
    min_steps: int = 5,
    min_buckets: int = 8,
    r_threshold: float = 0.7,
    p_threshold: float = 0.05,
) -> EdgeCorrelation:
    """Pearson r and two-sided p over buckets where both agents ran at least `min_steps` steps."""
    shared = sorted(
        b
        for b in upstream_buckets.keys() & downstream_buckets.keys()
        if upstream_buckets[b][0] >= min_steps and downstream_buckets[b][0] >= min_steps
    )
    up = [upstream_buckets[b][1] / upstream_buckets[b][0] for b in shared]
    down = [downstream_buckets[b][1] / downstream_buckets[b][0] for b in shared]
    n = len(shared)
    if n < 3 or _constant(up) or _constant(down):
        return EdgeCorrelation(n, None, None, False)
    result = stats.pearsonr(up, down)
    r, p = float(result.statistic), float(result.pvalue)
    if math.isnan(r):
        return EdgeCorrelation(n, None, None, False)
    risk = n >= min_buckets and r > r_threshold and p < p_threshold
    return EdgeCorrelation(n, r, p, risk)


def _constant(values: Sequence[float]) -> bool:
    """True when every value is the same (Pearson r is undefined)."""
    return max(values) - min(values) == 0


def observed_edges(
    steps: Iterable[tuple[str, str, str, Sequence[str] | None] | Mapping[str, Any]],
) -> set[tuple[str, str]]:
    """(upstream agent, downstream agent) pairs where a step depends on another agent's step.

    Rows are (workflow_run_id, step_id, agent_id, depends_on) or mappings with those keys;
    dependencies resolve only within the same run.
    """
    agents_of: dict[tuple[str, str], set[str]] = {}
    deps: list[tuple[str, str, Sequence[str]]] = []
    for row in steps:
        if isinstance(row, Mapping):
            run, step, agent, depends = (
                row["workflow_run_id"],
                row["step_id"],
                row["agent_id"],
                row.get("depends_on"),
            )
        else:
            run, step, agent, depends = row
        agents_of.setdefault((run, step), set()).add(agent)
        deps.append((run, agent, depends or ()))
    edges: set[tuple[str, str]] = set()
    for run, agent, depends in deps:
        for dep in depends:
            for up_agent in agents_of.get((run, dep), ()):
                if up_agent != agent:
                    edges.add((up_agent, agent))
    return edges
