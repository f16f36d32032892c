"""What was injected where: the answer key written next to the generated logs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agent_monitor.lib.generator.clock import parse_utc
from agent_monitor.lib.generator.specs import (
    CASCADE,
    CONTEXT_DECAY,
    HALLUCINATION_DRIFT,
    IncidentSpec,
)

GROUND_TRUTH_FILE = "ground_truth.json"
# An alert that starts up to this long after an incident ended is still that incident's echo.
MATCH_AFTER = timedelta(hours=6)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class IncidentTruth:
    """One injected incident and the signals that should move."""

    kind: str
    agents: tuple[str, ...]
    start: datetime
    end: datetime
    expected: dict[str, Any]


@dataclass(frozen=True)
class GroundTruth:
    """The generated period, its agents, observed workflow edges and injected incidents."""

    seed: int
    start: datetime
    end: datetime
    agents: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    incidents: tuple[IncidentTruth, ...]
    event_counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """Stable, indented JSON (sorted event counts) for `ground_truth.json`."""
        document = {
            "seed": self.seed,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "agents": list(self.agents),
            "edges": [list(edge) for edge in self.edges],
            "incidents": [
                {
                    "kind": i.kind,
                    "agents": list(i.agents),
                    "start": _iso(i.start),
                    "end": _iso(i.end),
                    "expected": i.expected,
                }
                for i in self.incidents
            ],
            "event_counts": dict(sorted(self.event_counts.items())),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> GroundTruth:
        """Parse what `to_json` wrote."""
        raw = json.loads(text)
        return cls(
            seed=int(raw["seed"]),
            start=parse_utc(raw["start"]),
            end=parse_utc(raw["end"]),
            agents=tuple(raw["agents"]),
            edges=tuple((up, down) for up, down in raw["edges"]),
            incidents=tuple(
                IncidentTruth(
                    kind=i["kind"],
                    agents=tuple(i["agents"]),
                    start=parse_utc(i["start"]),
                    end=parse_utc(i["end"]),
                    expected=dict(i.get("expected", {})),
                )
                for i in raw["incidents"]
            ),
            event_counts=dict(raw.get("event_counts", {})),
        )


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def alert_agents(agent_id: str, scope: str) -> set[str]:
    """The agents an alert is about: its agent, and both ends of an edge scope ("U->D")."""
    return {agent_id, *(scope.split("->") if "->" in scope else ())}


def incident_of(
    incidents: Iterable[IncidentTruth], agents: set[str], started: datetime
) -> IncidentTruth | None:
    """The first injected incident an alert belongs to: it names one of the alert's agents,
    and the alert started (naive UTC) between the incident's start and MATCH_AFTER after its end."""
    for incident in incidents:
        begin, end = _naive(incident.start), _naive(incident.end) + MATCH_AFTER
        if agents & set(incident.agents) and begin <= started <= end:
            return incident
    return None


def expected_signals(incident: IncidentSpec) -> dict[str, Any]:
    """A short description of which metrics and signals the incident should move."""
    if incident.kind == HALLUCINATION_DRIFT:
        return {
            "rules": ["P2", "P1", "M4", "M1"],
            "summary": "output entropy up within 1 h; hourly mean confidence falls 0.10/h for 4 h "
            "(P1 slope < -0.05/h from about +3 h); accuracy falls 0.15/h, so the trailing-24h "
            "M1 divergence passes 0.10 several hours after P1/P2; hallucination flags rise",
        }
    if incident.kind == CONTEXT_DECAY:
        return {
            "rules": ["M2"],
            "summary": "responses at turn >= 50 stop referencing facts from turns 1-20 "
            "(coherence ratio ~0.65 healthy, ~0.07 in the span); re-asked fields and "
            "contradicted name=value facts in session_coherence",
        }
    if incident.kind == CASCADE:
        upstream, downstream = incident.agents[0], incident.agents[1:]
        return {
            "rules": ["C2", "C1", "M5"],
            "edges": [[upstream, d] for d in downstream],
            "summary": f"{upstream} step failures in 15-minute bursts (30-50 %); steps of "
            f"{', '.join(downstream)} that depend on it fail, time out or are skipped in the "
            "same buckets, so their failure rates correlate (r > 0.7); other edges do not",
        }
    return {}
