"""Multi-agent workflow runs: a `workflow_run` start, its steps in dependency order, an end."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from agent_monitor.lib.generator.clock import HOUR_MS, SECOND_MS, IdMaker, format_ts
from agent_monitor.lib.generator.incidents import IncidentBook
from agent_monitor.lib.generator.sink import EventSink
from agent_monitor.lib.generator.specs import AgentSpec, StepSpec, WorkflowSpec
from agent_monitor.lib.generator.traffic import count_for_hour, pick_version

STEP_FAILURE_RATE = 0.005
STALL_RATE = 0.005
ABANDON_RATE = 0.005
STEP_TIMEOUT_S = 30.0
OWN_FAILURES = (
    ("failed", "tool_error"),
    ("failed", "upstream_5xx"),
    ("timed_out", "deadline_exceeded"),
)
INHERITED_FAILURES = (
    ("failed", "invalid_upstream_output"),
    ("failed", "invalid_upstream_output"),
    ("failed", "invalid_upstream_output"),
    ("timed_out", "upstream_timeout"),
    ("timed_out", "upstream_timeout"),
    ("skipped", "empty_upstream_output"),
)


# A skipped step ends just after the dependency that failed.
SKIP_DELAY_MS = 5


def _skipped_id(run_id: str, step_id: str) -> str:
    """The event id of a skipped step, from its run and step: drawing it from the run's id
    counter would shift the ids, and so the content, of every later event of the data set."""
    digest = hashlib.blake2b(f"{run_id}:{step_id}:skipped".encode(), digest_size=12)
    return f"stp_{digest.hexdigest()}"


@dataclass(frozen=True)
class StepOutcome:
    agent_id: str
    status: str
    end_ms: int
    degraded: bool


def topological(steps: tuple[StepSpec, ...]) -> list[StepSpec]:
    """Steps ordered so that every step comes after the steps it depends on."""
    ordered: list[StepSpec] = []
    done: set[str] = set()
    remaining = list(steps)
    while remaining:
        ready = [s for s in remaining if set(s.depends_on) <= done]
        if not ready:
            raise ValueError(f"workflow steps have a cycle or unknown dependency: {remaining}")
        for step in ready:
            ordered.append(step)
            done.add(step.step_id)
            remaining.remove(step)
    return ordered


def _step_status(
    rng: random.Random, step: StepSpec, begin: int, deps: list[StepOutcome], book: IncidentBook
) -> tuple[str, str | None, bool]:
    """The step's status and error type, and whether its output is degraded for its dependents."""
    inherited = max(
        (book.downstream_failure(d.agent_id, step.agent_id, begin) for d in deps if d.degraded),
        default=0.0,
    )
    if inherited and rng.random() < inherited:
        status, error = rng.choice(INHERITED_FAILURES)
        return status, error, False
    burst = book.upstream_failure(step.agent_id, begin)
    if rng.random() < (STEP_FAILURE_RATE if burst is None else burst):
        status, error = rng.choice(OWN_FAILURES)
        return status, error, False
    return "succeeded", None, burst is not None


def simulate_run(
    rng: random.Random,
    ids: IdMaker,
    workflow: WorkflowSpec,
    order: list[StepSpec],
    agents: dict[str, AgentSpec],
    start_ms: int,
    progress: float,
    book: IncidentBook,
    sink: EventSink,
) -> None:
    """Emit one run; a run that would not finish before the period's end is left out whole."""
    run_id = ids.next("run")
    trace_id = f"{rng.getrandbits(128):032x}"
    base = {"workflow_id": workflow.workflow_id, "workflow_run_id": run_id, "trace_id": trace_id}
    pending: list[tuple[int, str, dict[str, Any]]] = [
        (start_ms, ids.next("wfr"), {"event_type": "workflow_run", **base, "status": "started"})
    ]
    draw = rng.random()
    stalls, abandons = draw < STALL_RATE, STALL_RATE <= draw < STALL_RATE + ABANDON_RATE
    stop_after = rng.randrange(len(order)) if stalls or abandons else None
    outcomes: dict[str, StepOutcome] = {}
    edges: set[tuple[str, str]] = set()
    last = start_ms
    for index, step in enumerate(order):
        deps = [outcomes.get(d) for d in step.depends_on]
        if any(d is None for d in deps):
            continue
        if any(d.status != "succeeded" for d in deps):  # type: ignore[union-attr]
            # A failed (or skipped) dependency: the step never starts and is recorded as
            # skipped, so the failure chain of the run shows what the failure took down.
            ended = max(d.end_ms for d in deps if d is not None) + SKIP_DELAY_MS
            outcomes[step.step_id] = StepOutcome(step.agent_id, "skipped", ended, False)
            pending.append((ended, _skipped_id(run_id, step.step_id), {
                "event_type": "workflow_step", **base, "step_id": step.step_id,
                "agent_id": step.agent_id, "depends_on": list(step.depends_on),
                "status": "skipped", "error_type": "upstream_failed",
            }))
            last = max(last, ended)
            continue
        ran = [d for d in deps if d is not None]
        begin = max((d.end_ms for d in ran), default=start_ms) + rng.randint(50, 1500)
        status, error, degraded = _step_status(rng, step, begin, ran, book)
        if status == "skipped":
            seconds = 0.05
        elif status == "timed_out":
            seconds = STEP_TIMEOUT_S
        else:
            seconds = rng.uniform(*step.seconds)
        end = begin + int(seconds * SECOND_MS)
        outcomes[step.step_id] = StepOutcome(step.agent_id, status, end, degraded)
        body = {
            "event_type": "workflow_step",
            **base,
            "step_id": step.step_id,
            "agent_id": step.agent_id,
            "agent_version": pick_version(rng, agents[step.agent_id], progress),
            "span_id": f"{rng.getrandbits(64):016x}",
            "depends_on": list(step.depends_on),
            "status": status,
            "started_at": format_ts(begin),
        }
        if error is not None:
            body["error_type"] = error
        pending.append((end, ids.next("stp"), body))
        edges.update((d.agent_id, step.agent_id) for d in ran if d.agent_id != step.agent_id)
        last = end
        if index == stop_after:
            break
    if not stalls:
        if abandons:
            final = "abandoned"
        elif len(outcomes) == len(order) and all(o.status == "succeeded" for o in outcomes.values()):
            final = "completed"
        else:
            final = "failed"
        last += rng.randint(100, 2000)
        pending.append((last, ids.next("wfr"), {"event_type": "workflow_run", **base, "status": final}))
    if last >= sink.end_ms:
        return
    for ts, event_id, body in pending:
        sink.add(ts, event_id, body)
    sink.edges.update(edges)


def simulate_workflows(
    seed: int,
    workflows: tuple[WorkflowSpec, ...],
    agents: dict[str, AgentSpec],
    start_ms: int,
    hours: int,
    scale: float,
    book: IncidentBook,
    sink: EventSink,
) -> None:
    """All runs of every workflow over the period, at each workflow's hourly rate."""
    for workflow in workflows:
        rng = random.Random(f"{seed}:workflow:{workflow.workflow_id}")
        ids = IdMaker(seed, f"workflow:{workflow.workflow_id}")
        order = topological(workflow.steps)
        for hour in range(hours):
            hour_ms = start_ms + hour * HOUR_MS
            starts = sorted(
                hour_ms + rng.randrange(HOUR_MS) for _ in range(count_for_hour(rng, workflow.runs_per_hour * scale))
            )
            progress = hour / max(1, hours - 1)
            for run_start in starts:
                simulate_run(rng, ids, workflow, order, agents, run_start, progress, book, sink)
