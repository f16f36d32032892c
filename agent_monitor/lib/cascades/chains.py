"""C1 failure chains: root failures of a workflow run and their blast radius (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

FAILED_STATUSES = frozenset({"failed", "timed_out"})
AFFECTED_STATUSES = frozenset({"failed", "timed_out", "skipped"})


class Step(NamedTuple):
    """One `workflow_step` of a run; `ts` only needs to be comparable (epoch or datetime)."""

    step_id: str
    agent_id: str
    status: str
    depends_on: Sequence[str]
    ts: Any


@dataclass(frozen=True)
class FailureChain:
    """A root failure and the downstream steps it took down."""

    workflow_run_id: str
    root_step_id: str
    root_agent_id: str
    root_status: str
    root_ts: Any
    affected_step_ids: tuple[str, ...]
    affected_agents: tuple[str, ...]
    blast_radius: int
    run_completed: bool | None


def _as_step(row: Step | Mapping[str, Any] | Sequence[Any]) -> Step:
    """A Step from a Step, a mapping with the field names, or a 5-tuple in field order."""
    if isinstance(row, Step):
        return row
    if isinstance(row, Mapping):
        return Step(
            row["step_id"], row["agent_id"], row["status"], row.get("depends_on") or (), row["ts"]
        )
    step_id, agent_id, status, depends_on, ts = row
    return Step(step_id, agent_id, status, depends_on or (), ts)


def _final_steps(rows: Iterable[Step | Mapping[str, Any] | Sequence[Any]]) -> dict[str, Step]:
    """One step per step_id: the latest by ts (a retried step ends in its last state)."""
    final: dict[str, Step] = {}
    for step in map(_as_step, rows):
        previous = final.get(step.step_id)
        if previous is None or not step.ts < previous.ts:
            final[step.step_id] = step
    return final


def _closure(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    """Every step reachable from `start` over `edges`, without `start` unless on a cycle."""
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def failure_chains(
    steps: Iterable[Step | Mapping[str, Any] | Sequence[Any]],
    workflow_run_id: str,
    run_completed: bool | None = None,
) -> list[FailureChain]:
    """Root failures of one run, each with its blast radius, ordered by (root ts, step id)."""
    by_id = _final_steps(steps)
    upstream: dict[str, set[str]] = {sid: set() for sid in by_id}
    downstream: dict[str, set[str]] = {sid: set() for sid in by_id}
    for sid, step in by_id.items():
        for dep in step.depends_on:
            if dep in by_id and dep != sid:  # unknown ids and self-dependencies are ignored
                upstream[sid].add(dep)
                downstream[dep].add(sid)
    failed = {sid for sid, s in by_id.items() if s.status in FAILED_STATUSES}
    failed_above = {sid: (_closure(sid, upstream) & failed) - {sid} for sid in failed}
    chains = []
    for sid in sorted(failed, key=lambda s: (by_id[s].ts, s)):
        if not _is_root(sid, failed_above, by_id):
            continue
        root = by_id[sid]
        affected = sorted(
            d for d in _closure(sid, downstream) - {sid} if by_id[d].status in AFFECTED_STATUSES
        )
        agents = sorted({by_id[d].agent_id for d in affected} - {root.agent_id})
        chains.append(
            FailureChain(
                workflow_run_id=workflow_run_id,
                root_step_id=sid,
                root_agent_id=root.agent_id,
                root_status=root.status,
                root_ts=root.ts,
                affected_step_ids=tuple(affected),
                affected_agents=tuple(agents),
                blast_radius=len(affected),
                run_completed=run_completed,
            )
        )
    return chains


def _is_root(sid: str, failed_above: Mapping[str, set[str]], by_id: Mapping[str, Step]) -> bool:
    """No failed step upstream, or only failed steps on a cycle with it, of which it is first."""
    above = failed_above[sid]
    if not above:
        return True
    if any(sid not in failed_above[other] for other in above):
        return False
    return min(above | {sid}, key=lambda s: (by_id[s].ts, s)) == sid
