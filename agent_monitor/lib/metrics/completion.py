"""M5 workflow completion: how each run ended (including stalled runs) and the rate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_datetime, as_rows, epoch_of, get, order_key

STALL_AFTER_S = 30 * 60
TERMINAL = ("completed", "failed", "abandoned")


@dataclass(frozen=True)
class WorkflowOutcome:
    """One run that ended: completed, failed, abandoned or stalled."""

    workflow_run_id: str
    workflow_id: str | None
    outcome: str
    ended_at: datetime
    ended_at_epoch: float
    agents: frozenset[str]


@dataclass(frozen=True)
class CompletionCount:
    """Runs that ended and runs that completed, for one scope."""

    n_runs_ended: int
    n_runs_completed: int

    @property
    def completion_rate(self) -> float | None:
        """Completed / ended (None when no run ended)."""
        return ratio(self.n_runs_completed, self.n_runs_ended)


def workflow_outcomes(
    run_events: Rows, step_events: Rows, now_epoch: float, stall_after_s: float = STALL_AFTER_S
) -> list[WorkflowOutcome]:
    """One row per run that has ended by now_epoch; open runs are left out."""
    runs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in as_rows(run_events) + as_rows(step_events):
        runs[str(row["workflow_run_id"])].append(row)
    out: list[WorkflowOutcome] = []
    for run_id, rows in sorted(runs.items()):
        rows.sort(key=order_key)
        agents = frozenset(
            str(r["agent_id"])
            for r in rows
            if r["event_type"] == "workflow_step" and get(r, "agent_id") is not None
        )
        workflow_id = next((str(r["workflow_id"]) for r in rows if get(r, "workflow_id")), None)
        terminal = [
            r for r in rows if r["event_type"] == "workflow_run" and r["status"] in TERMINAL
        ]
        if terminal:
            first = terminal[0]
            ended = WorkflowOutcome(
                run_id, workflow_id, str(first["status"]), first["ts"], epoch_of(first), agents
            )
        else:
            last = rows[-1]
            stalled_at = epoch_of(last) + stall_after_s
            if now_epoch < stalled_at:
                continue
            ended_ts = as_datetime(last["ts"]) + timedelta(seconds=stall_after_s)
            ended = WorkflowOutcome(run_id, workflow_id, "stalled", ended_ts, stalled_at, agents)
        out.append(ended)
    return out


def in_window(
    outcomes: Iterable[WorkflowOutcome], start_epoch: float, end_epoch: float
) -> list[WorkflowOutcome]:
    """Outcomes whose ended_at falls in [start, end)."""
    return [o for o in outcomes if start_epoch <= o.ended_at_epoch < end_epoch]


def completion_count(outcomes: Iterable[WorkflowOutcome]) -> CompletionCount:
    """Completion numerator and denominator over all given runs."""
    rows = list(outcomes)
    return CompletionCount(len(rows), sum(1 for o in rows if o.outcome == "completed"))


def completion_by_agent(outcomes: Iterable[WorkflowOutcome]) -> dict[str, CompletionCount]:
    """Per agent: the runs in which it ran a step."""
    per_agent: dict[str, list[WorkflowOutcome]] = defaultdict(list)
    for outcome in outcomes:
        for agent in outcome.agents:
            per_agent[agent].append(outcome)
    return {agent: completion_count(rows) for agent, rows in sorted(per_agent.items())}
