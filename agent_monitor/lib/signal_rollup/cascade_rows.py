"""C1 and C2 rows: failure chains of runs, and per-hour edge correlations from bucket counts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.cascades import BucketCount, edge_correlation, failure_chains

MIN_STEPS_PER_BUCKET = 5
BUCKET_SECONDS = 900
# r must be carried by at least this many buckets in which both agents failed: with fewer,
# it only says whether one or two isolated failures happened to coincide (docs/signals.md).
MIN_CO_FAILING_BUCKETS = 3


def naive_utc(moment: datetime) -> datetime:
    """A datetime as naive UTC (the warehouse's convention)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def epoch(moment: datetime) -> float:
    """Epoch seconds of a datetime (naive = UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def chain_rows(
    steps_by_run: Mapping[str, Sequence[Mapping[str, Any]]],
    run_status: Mapping[str, str],
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """failure_chains rows whose root step ended in [start, end), placed in the root's hour."""
    rows: list[dict[str, Any]] = []
    for run_id, steps in steps_by_run.items():
        status = run_status.get(run_id)
        completed = None if status is None else status == "completed"
        workflow_id = next((s["workflow_id"] for s in steps if s.get("workflow_id")), None)
        for chain in failure_chains(steps, run_id, completed):
            if not start <= chain.root_ts < end:
                continue
            rows.append({
                "workflow_run_id": run_id,
                "root_step_id": chain.root_step_id,
                "root_hour": chain.root_ts.replace(minute=0, second=0, microsecond=0),
                "workflow_id": workflow_id,
                "root_agent_id": chain.root_agent_id,
                "root_status": chain.root_status,
                "root_ts": chain.root_ts,
                "affected_step_ids": list(chain.affected_step_ids),
                "affected_agents": list(chain.affected_agents),
                "blast_radius": chain.blast_radius,
                "run_status": status,
                "run_completed": completed,
            })
    return rows


def step_edges(
    links: Iterable[Mapping[str, Any]], agents_of: Mapping[tuple[str, str], set[str]]
) -> dict[tuple[str, str], list[float]]:
    """{(upstream agent, downstream agent): ts_epoch of each downstream step on that edge}."""
    edges: dict[tuple[str, str], list[float]] = {}
    for link in links:
        for dep in link.get("depends_on") or ():
            for upstream in agents_of.get((link["workflow_run_id"], dep), ()):
                if upstream != link["agent_id"]:
                    edges.setdefault((upstream, link["agent_id"]), []).append(
                        float(link["ts_epoch"]))
    return edges


@dataclass(frozen=True)
class EdgeParams:
    """C2 settings of the upstream agent's rule."""

    window_hours: int = 24
    min_buckets: int = 8
    r_threshold: float = 0.7
    p_threshold: float = 0.05


def edge_params(rules: RuleSet, upstream_agent: str) -> EdgeParams:
    """The C2 rule as it applies to an edge (attributed to the upstream agent)."""
    rule = rules.for_agent(upstream_agent, "c2_cascade_risk")
    p = rule.max_p_value if rule.max_p_value is not None else 0.05
    return EdgeParams(rule.window_hours, rule.min_samples, rule.threshold, p)


def failing_buckets(
    up: Mapping[int, BucketCount], down: Mapping[int, BucketCount]
) -> tuple[int, int, int]:
    """Buckets counted by C2 (both ran ≥ 5 steps) with a failure: upstream, downstream, both."""
    shared = [b for b in up.keys() & down.keys()
              if up[b].n_steps >= MIN_STEPS_PER_BUCKET and down[b].n_steps >= MIN_STEPS_PER_BUCKET]
    return (sum(up[b].n_failed > 0 for b in shared), sum(down[b].n_failed > 0 for b in shared),
            sum(up[b].n_failed > 0 and down[b].n_failed > 0 for b in shared))


def _within(buckets: Mapping[int, BucketCount], start: float, end: float) -> dict[int, BucketCount]:
    return {b: c for b, c in buckets.items() if start <= b < end}


def correlation_rows(
    hour: datetime,
    edges: Mapping[tuple[str, str], Sequence[float]],
    buckets: Mapping[str, Mapping[int, BucketCount]],
    rules: RuleSet,
) -> list[dict[str, Any]]:
    """cascade_correlations rows for `hour`: every edge seen in its trailing window."""
    end = epoch(hour) + 3600
    rows: list[dict[str, Any]] = []
    for upstream, downstream in sorted(edges):
        params = edge_params(rules, upstream)
        start = end - params.window_hours * 3600
        if not any(start <= ts < end for ts in edges[(upstream, downstream)]):
            continue
        up = _within(buckets.get(upstream, {}), start, end)
        down = _within(buckets.get(downstream, {}), start, end)
        result = edge_correlation(
            up, down, min_steps=MIN_STEPS_PER_BUCKET, min_buckets=params.min_buckets,
            r_threshold=params.r_threshold, p_threshold=params.p_threshold,
        )
        failing_up, failing_down, co_failing = failing_buckets(up, down)
        supported = co_failing >= MIN_CO_FAILING_BUCKETS
        rows.append({
            "hour": hour,
            "upstream_agent_id": upstream,
            "downstream_agent_id": downstream,
            "window_start": datetime.fromtimestamp(start, UTC).replace(tzinfo=None),
            "window_end": datetime.fromtimestamp(end, UTC).replace(tzinfo=None),
            "n_buckets": result.n_buckets,
            "r": result.r,
            "p_value": result.p_value,
            "cascade_risk": result.cascade_risk and supported,
            "upstream_failing_buckets": failing_up,
            "downstream_failing_buckets": failing_down,
            "co_failing_buckets": co_failing,
            "upstream_steps": sum(c.n_steps for c in up.values()),
            "upstream_failed": sum(c.n_failed for c in up.values()),
            "downstream_steps": sum(c.n_steps for c in down.values()),
            "downstream_failed": sum(c.n_failed for c in down.values()),
        })
    return rows
