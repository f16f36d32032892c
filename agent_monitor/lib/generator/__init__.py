"""Synthetic agent logs (SPEC §1) with injected incidents and a ground-truth answer key."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

from agent_monitor.lib.generator.clock import IdMaker, to_ms
from agent_monitor.lib.generator.defaults import (
    default_agents,
    default_incidents,
    default_workflows,
)
from agent_monitor.lib.generator.ground_truth import (
    GROUND_TRUTH_FILE,
    GroundTruth,
    IncidentTruth,
    expected_signals,
)
from agent_monitor.lib.generator.incidents import IncidentBook
from agent_monitor.lib.generator.reviews import add_reviews
from agent_monitor.lib.generator.sessions import simulate_session
from agent_monitor.lib.generator.settings import GeneratorSettings
from agent_monitor.lib.generator.sink import EventSink
from agent_monitor.lib.generator.specs import (
    INCIDENT_KINDS,
    AgentSpec,
    DecisionSpec,
    IncidentSpec,
    StepSpec,
    WorkflowSpec,
)
from agent_monitor.lib.generator.traffic import plan_sessions
from agent_monitor.lib.generator.workflows import simulate_workflows
from agent_monitor.lib.generator.writer import write_days

__all__ = [
    "GROUND_TRUTH_FILE",
    "INCIDENT_KINDS",
    "AgentSpec",
    "DecisionSpec",
    "GeneratorSettings",
    "GroundTruth",
    "IncidentSpec",
    "IncidentTruth",
    "StepSpec",
    "WorkflowSpec",
    "build_events",
    "default_agents",
    "default_incidents",
    "default_workflows",
    "generate",
]


def build_events(settings: GeneratorSettings) -> EventSink:
    """Simulate sessions, reviews and workflow runs in memory."""
    start_ms = to_ms(settings.start)
    sink = EventSink(end_ms=to_ms(settings.end))
    book = IncidentBook(settings.resolved_incidents(), settings.seed)
    for agent in settings.agents:
        rng = random.Random(f"{settings.seed}:sessions:{agent.agent_id}")
        ids = IdMaker(settings.seed, f"sessions:{agent.agent_id}")
        plans = plan_sessions(rng, ids, agent, start_ms, settings.hours, settings.traffic_scale)
        for plan, _ in plans:
            simulate_session(rng, ids, plan, book, sink)
    add_reviews(
        random.Random(f"{settings.seed}:reviews"),
        IdMaker(settings.seed, "reviews"),
        settings.review,
        sink,
    )
    agents = {agent.agent_id: agent for agent in settings.agents}
    simulate_workflows(
        settings.seed,
        settings.workflows,
        agents,
        start_ms,
        settings.hours,
        settings.traffic_scale,
        book,
        sink,
    )
    return sink


def generate(settings: GeneratorSettings, out_dir: str | Path) -> GroundTruth:
    """Write one JSONL file per UTC day and `ground_truth.json` into out_dir; return the truth."""
    out = Path(out_dir)
    sink = build_events(settings)
    write_days(sink.events, out, settings.gzip)
    truth = GroundTruth(
        seed=settings.seed,
        start=settings.start,
        end=settings.end,
        agents=tuple(agent.agent_id for agent in settings.agents),
        edges=tuple(sorted(sink.edges)),
        incidents=tuple(
            IncidentTruth(i.kind, tuple(i.agents), i.start, i.end, expected_signals(i))
            for i in settings.resolved_incidents()
        ),
        event_counts=dict(Counter(event["event_type"] for _, _, event in sink.events)),
    )
    (out / GROUND_TRUTH_FILE).write_text(truth.to_json(), encoding="utf-8")
    return truth
