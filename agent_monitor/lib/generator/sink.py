"""Where generated events collect before they are sorted and written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_monitor.lib.generator.clock import format_ts


@dataclass(frozen=True)
class ReviewCandidate:
    """A primary `ok` response the review sampler may pick, with its hidden correctness."""

    event_id: str
    ts_ms: int
    confidence: float
    decision_path: str | None
    shadow_disagreement: bool
    has_flags: bool
    correct: bool


@dataclass
class EventSink:
    """Collects events as (ts_ms, event_id, event) plus the inputs of later stages."""

    end_ms: int
    events: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)
    reviewable: list[ReviewCandidate] = field(default_factory=list)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def add(self, ts_ms: int, event_id: str, body: dict[str, Any]) -> None:
        """Add an event; `event_id` and `ts` go first so lines read naturally."""
        event = {"event_id": event_id, "event_type": body["event_type"], "ts": format_ts(ts_ms)}
        event.update(body)
        self.events.append((ts_ms, event_id, event))
