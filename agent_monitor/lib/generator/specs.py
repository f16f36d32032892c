"""The building blocks the generator simulates: agents, decisions, workflows, incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

HALLUCINATION_DRIFT = "hallucination_drift"
CONTEXT_DECAY = "context_decay"
CASCADE = "cascade"
INCIDENT_KINDS: tuple[str, ...] = (HALLUCINATION_DRIFT, CONTEXT_DECAY, CASCADE)

LOGPROBS_NONE = "none"
LOGPROBS_TOKEN = "token"
LOGPROBS_TOP = "top"


@dataclass(frozen=True)
class DecisionSpec:
    """A business decision an agent takes on every answer: name, decision path, values."""

    name: str
    path: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AgentSpec:
    """One simulated agent and its user traffic (sessions started per hour)."""

    agent_id: str
    versions: tuple[str, ...] = ("v1",)
    sessions_per_hour: float = 9.0
    long_sessions_per_hour: float = 0.0
    confidence_source: str = "self_reported"
    logprobs: str = LOGPROBS_NONE
    base_quality: float = 0.87
    decision: DecisionSpec | None = None
    shadow_version: str | None = None
    required_fields: tuple[str, ...] = ("order_id",)


@dataclass(frozen=True)
class StepSpec:
    """A step of a workflow definition, run by one agent after the steps it depends on."""

    step_id: str
    agent_id: str
    depends_on: tuple[str, ...] = ()
    seconds: tuple[float, float] = (1.0, 8.0)


@dataclass(frozen=True)
class WorkflowSpec:
    """A workflow definition: a dependency graph of steps, started `runs_per_hour` times."""

    workflow_id: str
    runs_per_hour: float
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True)
class IncidentSpec:
    """An injected failure mode on some agents between start and end (UTC)."""

    kind: str
    agents: tuple[str, ...]
    start: datetime
    end: datetime
    severity: float = 1.0
