"""M5 workflow completion: how each run ended (including stalled runs) and the rate.

SPEC §4 with the §8 readings: a run's activity is every event of the run (a step with
`started_at` is active from `started_at` to its `ts`); a run ends at its first terminal
status (by time, then event id), whenever that arrives; a run without one is stalled at its
last activity + 30 min once that moment has passed — exactly 30 min of silence is not yet a
stall. Nothing is judged as of a moment that has not passed: `as_of_epoch` is "now".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_datetime, as_rows, epoch_of, get, order_key, to_epoch

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


def first_terminal(rows: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The run's first terminal workflow_run event by (ts, event_id): where the run ended."""
    terminal = [r for r in rows if r["event_type"] == "workflow_run" and get(r, "status") in TERMINAL]
    return min(terminal, key=order_key) if terminal else None


def last_activity_epoch(rows: Iterable[Mapping[str, Any]]) -> float:
    """The end of the run's activity: the latest event ts, or step start if it were later."""
    latest = float("-inf")
    for row in rows:
        latest = max(latest, epoch_of(row))
        started = get(row, "started_at")
        if started is not None:
            latest = max(latest, to_epoch(as_datetime(started)))
    return latest


def run_agents(rows: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Agents that ran a step of the run: step events, and responses that name their step.

    A `skipped` step never ran (its upstream failed), so it does not make its agent one of
    the run's agents: the run counts against the agents that took part in it.
    """
    return frozenset(
        str(r["agent_id"])
        for r in rows
        if get(r, "agent_id") is not None
        and (
            (r["event_type"] == "workflow_step" and get(r, "status") != "skipped")
            or (r["event_type"] != "workflow_step" and get(r, "step_id") is not None)
        )
    )


def run_outcome(
    run_id: str, rows: list[Mapping[str, Any]], as_of_epoch: float, stall_after_s: float = STALL_AFTER_S
) -> WorkflowOutcome | None:
    """How the run ended as of `as_of_epoch`, or None while it is still open."""
    seen = [r for r in rows if epoch_of(r) < as_of_epoch]
    if not seen:
        return None
    agents = run_agents(seen)
    workflow_id = next((str(r["workflow_id"]) for r in seen if get(r, "workflow_id")), None)
    terminal = first_terminal(seen)
    if terminal is not None:
        return WorkflowOutcome(
            run_id, workflow_id, str(terminal["status"]), as_datetime(terminal["ts"]),
            epoch_of(terminal), agents,
        )
    last = last_activity_epoch(seen)
    stalled_at = last + stall_after_s
    if as_of_epoch <= stalled_at:
        return None
    ended_ts = datetime.fromtimestamp(stalled_at, UTC).replace(tzinfo=None)
    return WorkflowOutcome(run_id, workflow_id, "stalled", ended_ts, stalled_at, agents)


def workflow_outcomes(
    events: Rows, as_of_epoch: float, stall_after_s: float = STALL_AFTER_S
) -> list[WorkflowOutcome]:
    """One row per run that has ended by `as_of_epoch`, from the runs' events; open runs left out.

    `events` holds every event of the runs (workflow_run, workflow_step, and responses that
    carry a workflow_run_id); events from `as_of_epoch` on have not happened yet and are ignored.
    """
    runs: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in as_rows(events):
        runs[str(row["workflow_run_id"])].append(row)
    out = [run_outcome(run_id, rows, as_of_epoch, stall_after_s) for run_id, rows in sorted(runs.items())]
    return [o for o in out if o is not None]


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
