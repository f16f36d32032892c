"""GeneratorSettings: everything that determines the generated logs, validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.generator.defaults import (
    default_agents,
    default_incidents,
    default_workflows,
)
from agent_monitor.lib.generator.specs import (
    CASCADE,
    INCIDENT_KINDS,
    AgentSpec,
    IncidentSpec,
    WorkflowSpec,
)

DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class GeneratorSettings:
    """Everything that determines the generated logs; equal settings give identical files.

    `incidents=None` means `default_incidents(start, hours)`; pass `()` for clean traffic.
    `traffic_scale` multiplies every session and workflow rate (tests use small values).
    """

    seed: int = 7
    start: datetime = DEFAULT_START
    hours: int = 72
    agents: tuple[AgentSpec, ...] = field(default_factory=default_agents)
    workflows: tuple[WorkflowSpec, ...] = field(default_factory=default_workflows)
    incidents: tuple[IncidentSpec, ...] | None = None
    gzip: bool = False
    traffic_scale: float = 1.0
    review: ReviewSettings = field(default_factory=ReviewSettings)

    def __post_init__(self) -> None:
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=UTC)
        start = start.astimezone(UTC)
        if start.minute or start.second or start.microsecond:
            raise ValueError(f"start must be on a whole hour, got {start.isoformat()}")
        if self.hours < 1:
            raise ValueError(f"hours must be at least 1, got {self.hours}")
        object.__setattr__(self, "start", start)
        if self.incidents is None:
            object.__setattr__(self, "incidents", default_incidents(start, self.hours))
        validate(self)

    @property
    def end(self) -> datetime:
        """The end of the generated period (exclusive)."""
        return self.start + timedelta(hours=self.hours)

    def resolved_incidents(self) -> tuple[IncidentSpec, ...]:
        """The incidents, never None after construction."""
        return self.incidents or ()


def validate(settings: GeneratorSettings) -> None:
    """Reject incidents and workflows that name unknown agents or impossible spans."""
    known = {a.agent_id for a in settings.agents}
    if len(known) != len(settings.agents):
        raise ValueError("agent ids must be unique")
    for workflow in settings.workflows:
        for step in workflow.steps:
            if step.agent_id not in known:
                raise ValueError(f"workflow {workflow.workflow_id}: unknown agent {step.agent_id}")
    for incident in settings.resolved_incidents():
        if incident.kind not in INCIDENT_KINDS:
            raise ValueError(f"unknown incident kind {incident.kind!r} ({', '.join(INCIDENT_KINDS)})")
        for agent in incident.agents:
            if agent not in known:
                raise ValueError(f"incident {incident.kind}: unknown agent {agent!r}")
        if not incident.agents:
            raise ValueError(f"incident {incident.kind}: needs at least one agent")
        if incident.kind == CASCADE and len(incident.agents) < 2:
            raise ValueError("cascade incident needs an upstream and at least one downstream agent")
        if incident.start.tzinfo is None or incident.end.tzinfo is None:
            raise ValueError(f"incident {incident.kind}: start and end must be timezone-aware")
        if incident.end <= incident.start:
            raise ValueError(f"incident {incident.kind}: end must be after start")
        if incident.kind == CASCADE:
            edges = workflow_edges(settings.workflows)
            upstream = incident.agents[0]
            for downstream in incident.agents[1:]:
                if (upstream, downstream) not in edges:
                    raise ValueError(f"cascade: no workflow step of {downstream} depends on {upstream}")


def workflow_edges(workflows: tuple[WorkflowSpec, ...]) -> set[tuple[str, str]]:
    """(upstream agent, downstream agent) pairs the workflow definitions can produce."""
    edges = set()
    for workflow in workflows:
        agent_of = {step.step_id: step.agent_id for step in workflow.steps}
        for step in workflow.steps:
            for dep in step.depends_on:
                if dep in agent_of and agent_of[dep] != step.agent_id:
                    edges.add((agent_of[dep], step.agent_id))
    return edges
